"""Recording an in-person completion from the API v1, once per client request.

The natural key (one live completion per person and course, `completions.issue_once`) makes a
repeated record a no-op. A client's `Idempotency-Key` also covers the request retried after
the completion was revoked in between: it answers the first completion instead of making a
new one (the form one-time-key pattern of `submissions.once`)."""
from __future__ import annotations

from datetime import datetime

from ..content.model import Course
from ..extensions import db
from ..models import Completion, User
from . import completions, submissions


def record_in_person(person: User, course: Course, *, score: float | None,
                     completed_at: datetime, note: str, by: User,
                     key: str | None = None) -> tuple[Completion, bool]:
    """The completion and whether this call made it (False: it existed, or a duplicate of
    this request made it). Commits."""
    if submissions.usable_key(key) is None:
        return completions.issue_once(person, course, method=completions.IN_PERSON,
                                      score=score, recorded_by=by, completed_at=completed_at,
                                      note=note)
    made: list[int] = []  # ids this call created, in its last attempt only

    def create() -> Completion:
        made.clear()
        existing = completions.active_completion(person.id, course.slug)
        if existing is not None:
            return existing
        completion = completions.create(person, course, method=completions.IN_PERSON,
                                        score=score, recorded_by=by,
                                        completed_at=completed_at, note=note)
        db.session.flush()
        made.append(completion.id)
        return completion

    def find(completion_id: int) -> Completion | None:
        made.clear()  # the claim's result was made by an earlier request
        return db.session.get(Completion, completion_id)

    completion = submissions.once(key, f"api.completions.record:{person.id}:{course.slug}", by,
                                  create, find, what="the completion")
    return completion, completion.id in made
