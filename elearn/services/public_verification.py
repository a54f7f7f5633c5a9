"""The public answer to "is this certificate real?" (the JSON look-up), remembered per code.

The look-up is the busiest public route (a QR code scanned at every meeting); loading the
completion with its holder, unit and revocation, checking two HMACs and naming the issuer
cost most of it. The answer a stranger gets depends only on the record, so it is kept in the
shared cache (Flask-Caching, `elearn/shared_state.py`: Redis when configured) for
VERIFY_CACHE_SECONDS.

Revocation must show at once, in every worker, also where each process has its own cache:
a remembered "valid" answer is used only after one cheap indexed query finds no revocation
row for it (whichever worker revoked, and however a concurrent look-up raced the revoking
commit). "revoked" and "invalid" answers are final until they expire; unknown codes are not
remembered (the code may be issued a moment later).
"""
from __future__ import annotations

import logging
from functools import cache as built_once
from typing import Any

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import Select, bindparam, select

from ..clock import iso_local
from ..extensions import cache, db
from ..models import Revocation
from ..registry import current_registry
from . import codes, completions, verification
from .completions import Status, Verification

log = logging.getLogger(__name__)
KEY = "verify:{code}"


def describe(result: Verification, full_name: bool) -> dict[str, Any]:
    """The look-up's answer (JSON API and page), with the holder's full name or masked."""
    data: dict[str, Any] = {"status": result.status.value}
    completion = result.completion
    if completion is None or result.status == Status.INVALID:
        return data
    course = current_registry().course(completion.course_slug)
    data.update({
        "code": codes.display(completion.code),
        "course": {"slug": completion.course_slug,
                   "title": course.title.get("vi") if course else completion.course_slug,
                   "title_en": course.title.get("en") if course else completion.course_slug,
                   "version": completion.course_version,
                   "content_hash": completion.content_hash},
        "score": completion.score,
        "completed_at": iso_local(completion.completed_at),
        "method": completion.method,
        "holder": completion.user.full_name if full_name
        else completions.mask_name(completion.user.full_name),
        "unit": completion.unit.name,
        "issuer": verification.issuer_name(completion, course, "vi"),
        "issuer_en": verification.issuer_name(completion, course, "en"),
    })
    if completion.revocation is not None:
        data["revoked_at"] = iso_local(completion.revocation.revoked_at)
        data["revocation_reason"] = completion.revocation.reason
    return data


@built_once
def _revocation_query() -> Select:
    return select(Revocation.id).where(Revocation.completion_id == bindparam("completion_id"))


def public_answer(code: str) -> dict[str, Any]:
    """`describe(completions.verify(code), full_name=False)`, from the cache when it is still
    true. Raises codes.MalformedCode for a mistyped code, as `completions.verify` does."""
    normal = codes.normalise(code)
    seconds = int(current_app.config["VERIFY_CACHE_SECONDS"])
    key = KEY.format(code=normal)
    if seconds > 0:
        entry = _get(key)
        if entry is not None and (entry["final"] or db.session.scalar(
                _revocation_query(), {"completion_id": entry["completion_id"]}) is None):
            return entry["data"]
    result = completions.verify(normal)
    data = describe(result, full_name=False)
    if seconds > 0 and result.completion is not None:
        _set(key, {"completion_id": result.completion.id, "data": data,
                   "final": result.status != Status.VALID}, seconds)
    return data


def _get(key: str) -> dict[str, Any] | None:
    # The cache only saves work: unreachable, the answer is computed (as shared_state does).
    try:
        return cache.get(key)
    except (RedisError, OSError) as error:
        log.warning("cache unavailable, looking %s up: %s", key, error)
        return None


def _set(key: str, value: dict[str, Any], seconds: int) -> None:
    try:
        cache.set(key, value, timeout=seconds)
    except (RedisError, OSError) as error:
        log.warning("cache unavailable, not storing %s: %s", key, error)
