"""The pledge template as a form for staff who do not write YAML (issue #14 item 12): the
pledge's title, introduction, commitment and limit, and a list of sections that can be added,
removed and moved up or down — with plain submit buttons, so it works without JavaScript.

The form classes are in `forms.py`; this module turns them into a template and back. The
form only edits; what a template is stays in `content.pledge_template`: the form's data
becomes a `PledgeTemplate`, stored as the YAML `parse_template` reads (one source of truth)."""
from __future__ import annotations

from collections.abc import Mapping

from .content.model import LocalText
from .content.pledge_template import PledgeTemplate, Section
from .forms import MAX_SECTIONS, PledgeTemplateForm

ACTION = "pledge-action"          # the name of the add/remove/move buttons
STRUCTURED = "pledge-structured"  # present when the page showed this editor


def _both(text: LocalText | None) -> tuple[str, str]:
    if text is None:
        return "", ""
    return text.values.get("vi", ""), text.values.get("en", "")


def form_data(template: PledgeTemplate) -> dict:
    """What `PledgeTemplateForm` shows for a stored template."""
    title_vi, title_en = _both(template.title)
    intro_vi, intro_en = _both(template.intro)
    commitment_vi, commitment_en = _both(template.commitment)
    sections = [{"key": s.key, "title_vi": _both(s.title)[0], "title_en": _both(s.title)[1]}
                for s in template.sections]
    return {"title_vi": title_vi, "title_en": title_en, "intro_vi": intro_vi,
            "intro_en": intro_en, "max_commitments": template.max_commitments,
            "sections": sections, "commitment_vi": commitment_vi,
            "commitment_en": commitment_en}


def _text(vi: str | None, en: str | None) -> LocalText | None:
    vi, en = (vi or "").strip(), (en or "").strip()
    if not vi:
        return None
    return LocalText.of(vi, en=en) if en else LocalText.of(vi)


def template_of(form: PledgeTemplateForm) -> PledgeTemplate:
    """The template a validated form describes. Rows added in the form get a key no other
    row has (section-1, section-2, …)."""
    rows = [entry.form for entry in form.sections]
    taken = {(row.key.data or "").strip() for row in rows}
    sections, used = [], set()
    number = 0
    for row in rows:
        key = (row.key.data or "").strip()
        if not key or key in used:
            number += 1
            while f"section-{number}" in taken | used:
                number += 1
            key = f"section-{number}"
        used.add(key)
        sections.append(Section(key, _text(row.title_vi.data, row.title_en.data)))
    return PledgeTemplate(
        title=_text(form.title_vi.data, form.title_en.data),
        intro=_text(form.intro_vi.data, form.intro_en.data), sections=tuple(sections),
        commitment=_text(form.commitment_vi.data, form.commitment_en.data),
        max_commitments=form.max_commitments.data)


def apply_action(form: PledgeTemplateForm, action: str) -> bool:
    """Add a section, or remove / move up / move down the row named by `action` ("add",
    "remove-2", "up-2", "down-2"), keeping what was typed. False for anything else (a stale
    or forged button), which changes nothing."""
    rows = [dict(entry.data) for entry in form.sections]
    verb, _sep, number = action.partition("-")
    index = int(number) if number.isdigit() else -1
    if verb == "add" and not number and len(rows) < MAX_SECTIONS:
        rows.append({"key": "", "title_vi": "", "title_en": ""})
    elif verb == "remove" and 0 <= index < len(rows) and len(rows) > 1:
        rows.pop(index)
    elif verb == "up" and 0 < index < len(rows):
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif verb == "down" and 0 <= index < len(rows) - 1:
        rows[index], rows[index + 1] = rows[index + 1], rows[index]
    else:
        return False
    _replace_rows(form, rows)
    return True


def _replace_rows(form: PledgeTemplateForm, rows: list[Mapping]) -> None:
    field = form.sections
    field.entries, field.last_index = [], -1
    for row in rows:
        field.append_entry(row)
