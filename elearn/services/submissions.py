"""Creating forms are idempotent under duplicates: the one-time key of a form (the
idempotency-key pattern).

Every creating form carries a random key from the moment it is rendered (`form_base.OnceForm`).
The creating service calls `once(...)`: inside one transaction it claims the key (a row in
`form_submissions`, unique on the key), creates, records the result's id on the claim, and
commits. The same form sent again — a double tap, a phone resending, eight at once — meets the
claim and gets the first result back: one record, one audit entry, and the view ends on the
same page a single submit would. Racing duplicates meet the unique constraint (or SQLite's
single writer) and are run again by `until_it_stands`, then see the winner's claim.

A request without a key (an old page, a script) creates as it always did.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Callable, TypeVar

from sqlalchemy import delete, select

from ..clock import utcnow
from ..extensions import db
from ..models import FormSubmission, User
from .unit_of_work import until_it_stands

T = TypeVar("T")

# A duplicate arrives within seconds (minutes for a phone on a bad network); a day is plenty.
KEEP_FOR = timedelta(days=1)
KEY_LENGTH = 64


def usable_key(key: str | None) -> str | None:
    """The key as the services take it: None when absent or not one this app could have made."""
    key = (key or "").strip()
    return key if 0 < len(key) <= KEY_LENGTH else None


def once(key: str | None, action: str, by: User, create: Callable[[], T],
         find: Callable[[int], T | None], *, result_id: Callable[[T], int] = lambda r: r.id,
         what: str) -> T:
    """Run `create` once per form key and commit; return its result, or the first result when
    the key was already claimed for this action by this person.

    `create` adds its rows and audit entry to the session without committing (it may raise to
    refuse: nothing is kept, not even the claim). `find` loads a result by the id `result_id`
    gave. `action` names the action and its target, so a key replayed against another target
    or by another person is not taken for a duplicate (it then creates, as without a key)."""
    key, by_id = usable_key(key), by.id

    def write() -> T:
        if key is not None:
            claimed = db.session.scalar(select(FormSubmission).where(FormSubmission.key == key))
            if claimed is None:
                _prune()
                claim = FormSubmission(key=key, action=action, user_id=by_id)
                db.session.add(claim)
                db.session.flush()  # a racing duplicate stops here (unique key), or waits
                result = create()
                db.session.flush()
                claim.result_id = result_id(result)
                db.session.commit()
                return result
            if (claimed.action, claimed.user_id) == (action, by_id) \
                    and claimed.result_id is not None:
                first = find(claimed.result_id)
                if first is not None:
                    return first
        result = create()
        db.session.commit()
        return result

    try:
        return until_it_stands(write, what=what)
    except Exception:
        db.session.rollback()  # a refusal keeps nothing: no claim, no half-built record
        raise


def _prune() -> None:
    """Forget keys no duplicate can still come for (done while claiming: no job needed)."""
    db.session.execute(delete(FormSubmission).where(
        FormSubmission.created_at < utcnow() - KEEP_FOR)
        .execution_options(synchronize_session=False))
