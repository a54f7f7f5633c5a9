"""The append-only, hash-chained audit log.

Every entry stores the hash of the one before it; the hash covers the entry's own fields and
that link. Appends go through a compare-and-swap on the single `audit_head` row, so concurrent
writers (threads, workers, hosts) queue up instead of forking the chain.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from ..extensions import db
from ..models import AuditEntry, AuditHead
from ..models.org import utcnow

GENESIS = "0" * 64


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)


def entry_hash(prev_hash: str, seq: int, at: datetime, actor_id: int | None, action: str,
               subject: str, data: str) -> str:
    body = canonical({"prev": prev_hash, "seq": seq, "at": at.isoformat(timespec="microseconds"),
                      "actor": actor_id, "action": action, "subject": subject, "data": data})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(action: str, *, actor_id: int | None = None, subject: str = "",
           data: dict[str, Any] | None = None) -> AuditEntry:
    """Append an entry in the current transaction (it commits with the change it records)."""
    payload = canonical(data or {})
    db.session.flush()
    for _attempt in range(50):
        head = db.session.scalar(select(AuditHead).where(AuditHead.id == 1)
                                 .execution_options(populate_existing=True))
        if head is None:  # the migration creates it; a missing head is tampering
            raise RuntimeError("the audit log head is missing: run flask elearn audit verify")
        seq, prev = head.seq + 1, head.hash
        at = utcnow()
        digest = entry_hash(prev, seq, at, actor_id, action, subject, payload)
        moved = db.session.execute(
            update(AuditHead).where(AuditHead.id == 1, AuditHead.hash == prev)
            .values(seq=seq, hash=digest).execution_options(synchronize_session=False))
        if moved.rowcount == 1:
            entry = AuditEntry(seq=seq, at=at, actor_id=actor_id, action=action,
                               subject=subject[:200], data=payload, prev_hash=prev, hash=digest)
            db.session.add(entry)
            db.session.flush()
            return entry
    raise RuntimeError("audit log is too busy to append")


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_bad_seq: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def verify_chain() -> ChainReport:
    """Walk the whole chain in order; name the first entry that was changed, removed or moved."""
    prev, expected_seq, checked = GENESIS, 1, 0
    rows = db.session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
    for entry in rows.yield_per(1000):
        checked += 1
        if entry.seq != expected_seq:
            return ChainReport(checked, expected_seq,
                               f"entry {expected_seq} is missing (next found is {entry.seq})")
        if entry.prev_hash != prev:
            return ChainReport(checked, entry.seq,
                               f"entry {entry.seq} does not follow entry {entry.seq - 1} "
                               "(removed, reordered or rewritten)")
        recomputed = entry_hash(entry.prev_hash, entry.seq, entry.at, entry.actor_id,
                                entry.action, entry.subject, entry.data)
        if recomputed != entry.hash:
            return ChainReport(checked, entry.seq, f"entry {entry.seq} was changed")
        prev, expected_seq = entry.hash, expected_seq + 1
    head = db.session.get(AuditHead, 1)
    if head is None:
        return ChainReport(checked, expected_seq, "the chain's head record was removed")
    if (head.seq, head.hash) != (expected_seq - 1, prev):
        return ChainReport(checked, expected_seq,
                           f"the chain ends at entry {expected_seq - 1} but entries up to "
                           f"{head.seq} were written (entries removed from the end)")
    return ChainReport(checked, None, "")
