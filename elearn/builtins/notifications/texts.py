"""What each kind of notification says, rendered when it is read (in the reader's language)."""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping
from urllib.parse import urlencode

from flask_babel import get_locale, lazy_gettext as _l, ngettext

from ...api import find_course, format_day

KINDS: dict[str, Any] = {
    "plan.assigned": _l("A study plan has started: %(title)s, due %(deadline)s."),
    "completion.issued": _l("Your certificate for %(course)s has been issued."),
    "completion.revoked": _l("Your certificate for %(course)s has been revoked."),
    "pledge.returned": _l("Your pledge for %(year)s was returned: please revise and file it "
                          "again."),
    "pledge.acknowledged": _l("Your pledge for %(year)s was acknowledged."),
    "pledge.assessed": _l("Your pledge for %(year)s has been assessed."),
    "pledge.can_file": _l("Everyone who files before you has filed: you can file your pledge "
                          "for %(year)s now."),
    "reminder": None,  # plural: see render
    "digest": None,
    "digest.officer": _l("Waiting in %(unit)s: pledges not filed: %(not_filed)d; waiting for "
                         "review: %(waiting)d; course completions missing before a near "
                         "deadline: %(missing)d."),
}
UNIT_LINE = _l("%(name)s — not filed: %(not_filed)d, waiting for review: %(waiting)d, "
               "completions missing: %(missing)d")


def kind_label(kind: str) -> str:
    labels = {
        "plan.assigned": _l("A study plan starts"),
        "completion.issued": _l("A certificate is issued"),
        "completion.revoked": _l("A certificate is revoked"),
        "pledge.returned": _l("My pledge is returned"),
        "pledge.acknowledged": _l("My pledge is acknowledged"),
        "pledge.assessed": _l("My pledge is assessed"),
        "pledge.can_file": _l("I can file my pledge"),
        "reminder": _l("Deadline reminders"),
        "digest": _l("Weekly digest of what waits for review"),
        "digest.officer": _l("Weekly digest of what waits in my units (officers)"),
    }
    return str(labels.get(kind, kind))


def _course_title(slug: str) -> str:
    course = find_course(slug)
    return course.title.get(str(get_locale() or "vi")) if course is not None else slug


def breakdown(kind: str, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(text, site path) per child unit of an officer's digest, in the current language; the
    path opens that unit's dashboard. Empty for every other kind."""
    if kind != "digest.officer":
        return []
    year = params.get("year", "")
    lines = []
    for row in params.get("rows") or []:
        try:
            text = str(UNIT_LINE) % row
        except (KeyError, TypeError, ValueError):
            continue
        lines.append((text, f"/dashboard/?{urlencode({'unit': row.get('code', ''), 'year': year})}"))
    return lines


def render(kind: str, params: Mapping[str, Any]) -> str:
    """The notification's text in the current request's language."""
    values = dict(params)
    if "course" in values:
        values["course"] = _course_title(str(values["course"]))
    if values.get("deadline"):
        try:
            values["deadline"] = format_day(date.fromisoformat(str(values["deadline"])))
        except ValueError:
            pass
    if kind == "reminder":
        return ngettext("%(num)d day left to finish the study plan %(title)s "
                        "(deadline %(deadline)s).",
                        "%(num)d days left to finish the study plan %(title)s "
                        "(deadline %(deadline)s).", int(values.get("days", 0)),
                        title=values.get("title", ""), deadline=values.get("deadline", ""))
    if kind == "digest":
        return ngettext("%(num)d pledge is waiting for review in your units.",
                        "%(num)d pledges are waiting for review in your units.",
                        int(values.get("count", 0)))
    text = KINDS.get(kind)
    if text is None:
        return kind
    try:
        return str(text) % values
    except (KeyError, TypeError, ValueError):  # an old row from a changed text: say the gist
        return kind_label(kind)
