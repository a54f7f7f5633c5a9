"""elearn events as xAPI 1.0.3 statements (pure: no database, no network).

Actor: an account on the site's home page (ELEARN_PUBLIC_URL) named by the person's id, so
the LRS learns no personal data; their e-mail (mbox) only when ELEARN_XAPI_ACTOR_EMAIL is
set. Verbs are ADL's. Objects are the activity's address on the public site. The statement id
is a UUID5 of the event key, so a redelivered event is the same statement (an LRS stores a
statement id once).
"""
from __future__ import annotations

import uuid
from typing import Any

from ...api import Event

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    "launched": ADL + "launched",
    "completed": ADL + "completed",
    "passed": ADL + "passed",
    "failed": ADL + "failed",
}
HEARD = frozenset({"lesson.opened", "attempt.started", "lesson.studied", "attempt.graded",
                   "completion.issued"})
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
LESSON_TYPE = "http://adlnet.gov/expapi/activities/lesson"
ASSESSMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"


def statement_id(base: str, event_key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/xapi/{event_key}"))


def actor(base: str, person_id: int, email: str | None) -> dict[str, Any]:
    if email:
        return {"objectType": "Agent", "mbox": f"mailto:{email}"}
    return {"objectType": "Agent", "account": {"homePage": base, "name": str(person_id)}}


def _activity(iri: str, kind: str, name: str) -> dict[str, Any]:
    return {"objectType": "Activity", "id": iri,
            "definition": {"type": kind, "name": {"vi": name}}}


def _verb(name: str) -> dict[str, Any]:
    return {"id": VERBS[name], "display": {"en-US": name}}


def for_event(event: Event, base: str, who: dict[str, Any],
              titles: dict[str, str]) -> dict[str, Any] | None:
    """The statement an event makes, or None for events the LRS does not hear of.
    `titles` maps a course slug to its title (for the activity's name)."""
    data = event.data
    result: dict[str, Any] | None
    course = str(data.get("course", ""))
    course_iri = f"{base}/courses/{course}/"
    title = titles.get(course, course)
    if event.name == "lesson.opened":
        lesson = str(data.get("lesson", ""))
        verb = "launched"
        target = _activity(f"{course_iri}lessons/{lesson}", LESSON_TYPE, lesson)
        result = None
    elif event.name == "attempt.started":
        verb = "launched"
        target = _activity(f"{course_iri}quiz", ASSESSMENT_TYPE, title)
        result = None
    elif event.name == "lesson.studied":
        lesson = str(data.get("lesson", ""))
        verb = "completed"
        target = _activity(f"{course_iri}lessons/{lesson}", LESSON_TYPE, lesson)
        result = {"completion": True}
    elif event.name == "attempt.graded":
        passed = bool(data.get("passed"))
        verb = "passed" if passed else "failed"
        target = _activity(f"{course_iri}quiz", ASSESSMENT_TYPE, title)
        score = max(0.0, min(100.0, float(data.get("score") or 0)))
        result = {"score": {"scaled": round(score / 100, 4), "raw": score, "min": 0,
                            "max": 100},
                  "success": passed, "completion": True}
    elif event.name == "completion.issued":
        verb = "completed"
        target = _activity(course_iri, COURSE_TYPE, title)
        result = {"completion": True, "success": True}
    else:
        return None
    statement: dict[str, Any] = {
        "id": statement_id(base, event.key),
        "actor": who,
        "verb": _verb(verb),
        "object": target,
        "context": {"contextActivities": {"parent": [{"id": course_iri}]}
                    if event.name != "completion.issued" else {},
                    "platform": "elearn"},
        "timestamp": event.occurred_at.replace(microsecond=0).isoformat() + "Z",
    }
    if result is not None:
        statement["result"] = result
    return statement
