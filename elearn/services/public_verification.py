"""The public answer to "is this certificate real?" (the JSON look-up), remembered per code.

The look-up is the busiest public route (a QR code scanned at every meeting); loading the
completion with its holder, unit and revocation, checking two HMACs, naming the issuer and
serialising the answer cost most of it. The answer a stranger gets depends only on the record,
so its JSON body is kept in the shared cache (Flask-Caching, `elearn/shared_state.py`: Redis
when configured) for VERIFY_CACHE_SECONDS.

A remembered answer is used only while everything it was computed from still stands, checked
in one indexed query (one round trip) on every use, in whichever worker:
- the completion and revocation rows, compared whole: a revocation, `audit seal`, a restore or
  a row edited behind the application's back all show at once;
- the stamp of `verify_revision`, which every rename or move of a person or unit replaces;
- the completion keyring's fingerprint (a key added, removed or replaced on disk) and the
  course's titles and issuer in this worker's registry (a published course version).
The check is read before the answer is computed, so a change committing in between leaves a
stale check behind, never a stale answer. Unknown codes are not remembered (the code may be
issued a moment later).
"""
from __future__ import annotations

import logging
from functools import cache as built_once, lru_cache
from typing import Any, Callable, NamedTuple, Sequence

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import Select, bindparam, select
from sqlalchemy.engine import Dialect

from .. import keyring
from ..clock import iso_local
from ..content.model import Course
from ..extensions import cache, db
from ..models import Completion, Revocation
from ..registry import current_registry
from . import codes, completions, verification, verify_revision
from .completions import Status, Verification

log = logging.getLogger(__name__)
# "verify2": entries of the earlier layout (a dict answer) are never read as this one.
KEY = "verify2:{code}"


def describe(result: Verification, full_name: bool) -> dict[str, Any]:
    """The look-up's answer (JSON API and page), with the holder's full name or masked."""
    data: dict[str, Any] = {"status": result.status.value}
    completion = result.completion
    if completion is None or result.status == Status.INVALID:
        return data
    course = current_registry().course(completion.course_slug)
    issuer, issuer_en = verification.issuer_names(completion, course)
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
        "issuer": issuer,
        "issuer_en": issuer_en,
    })
    if completion.revocation is not None:
        data["revoked_at"] = iso_local(completion.revocation.revoked_at)
        data["revocation_reason"] = completion.revocation.reason
    return data


@built_once
def _check_query() -> Select:
    """Built once (composing it per request costs more than running it): the whole completion
    and revocation rows and the stamp, for one code."""
    completion, revocation = Completion.__table__, Revocation.__table__
    return (select(completion, revocation, verify_revision.stamp_column())
            .select_from(completion.outerjoin(revocation))
            .where(completion.c.code == bindparam("code")))


class _DriverStatement(NamedTuple):
    sql: str
    parameters: Callable[[str], Sequence[Any] | dict[str, Any]]


@lru_cache(maxsize=4)
def _driver_statement(dialect: Dialect) -> _DriverStatement:
    """`_check_query` as this database's driver takes it: its SQL text and its parameters for
    a code (the stamp's name is a fixed parameter)."""
    compiled = _check_query().compile(dialect=dialect)
    fixed = compiled.construct_params({"code": ""})
    if compiled.positional:
        order = tuple(compiled.positiontup or ())
        return _DriverStatement(compiled.string, lambda code: tuple(
            code if name == "code" else fixed[name] for name in order))
    return _DriverStatement(compiled.string, lambda code: {**fixed, "code": code})


_COURSE_SLUG = list(Completion.__table__.c.keys()).index("course_slug")


def _course_facts(course: Course | None) -> tuple | None:
    """What `describe` shows of the course besides the record's own fields."""
    if course is None:
        return None
    issuer = course.issuer
    return (course.title.get("vi"), course.title.get("en"),
            None if issuer is None else (issuer.get("vi"), issuer.get("en")))


def _standing(normal: str) -> tuple | None:
    """Everything a remembered answer depends on, as it stands now (None: no such code)."""
    # The driver's own cursor, on a connection from the engine's pool: the row is only
    # compared with the row read the same way when the answer was remembered, so neither
    # SQLAlchemy's execution and result machinery nor its type conversions are needed, and
    # they cost more than the query (0.07 ms of a 0.53 ms look-up, bench/floor.py). On
    # PostgreSQL in autocommit: one statement needs no BEGIN and ROLLBACK round trips.
    engine = db.engine
    statement = _driver_statement(engine.dialect)
    connection = engine.raw_connection()
    try:
        postgresql = engine.dialect.name == "postgresql"
        if postgresql:
            connection.driver_connection.autocommit = True
        cursor = connection.cursor()
        try:
            cursor.execute(statement.sql, statement.parameters(normal))
            row = cursor.fetchone()
        finally:
            cursor.close()
            if postgresql:
                connection.driver_connection.autocommit = False
    except engine.dialect.loaded_dbapi.Error:
        # Not SQLAlchemy's execution, so not its disconnect handling: a connection the
        # server dropped must not go back to the pool.
        connection.invalidate()
        raise
    finally:
        connection.close()  # back to the pool
    if row is None:
        return None
    return (tuple(row), keyring.fingerprint("completion"),
            _course_facts(current_registry().course(row[_COURSE_SLUG])))


def public_answer(code: str) -> bytes:
    """The JSON body of `describe(completions.verify(code), full_name=False)`, from the cache
    while all it depends on still stands. Raises codes.MalformedCode for a mistyped code, as
    `completions.verify` does."""
    normal = codes.normalise(code)
    seconds = int(current_app.config["VERIFY_CACHE_SECONDS"])
    if seconds <= 0:
        return _body(describe(completions.verify(normal), full_name=False))
    key = KEY.format(code=normal)
    entry = _get(key)
    standing = _standing(normal)  # read before computing: see the module's docstring
    if entry is not None and entry["standing"] == standing:
        return entry["body"]
    result = completions.verify(normal)
    body = _body(describe(result, full_name=False))
    if standing is not None and result.completion is not None:
        _set(key, {"standing": standing, "body": body}, seconds)
    return body


def _body(data: dict[str, Any]) -> bytes:
    # Flask's own JSON response body, so a remembered answer is byte for byte a fresh one.
    return current_app.json.response(data).get_data()


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
