"""The append-only, hash-chained audit log.

Every entry stores the hash of the one before it; the hash covers the entry's own fields and
that link. Appends go through a compare-and-swap on the single `audit_head` row, so concurrent
writers (threads, workers, hosts) queue up instead of forking the chain.

Each entry also carries `mac`, an HMAC of its hash with `AUDIT_KEY` (kept outside the
database), so someone who can write the database but not read the key cannot rewrite an entry
and re-hash the rest of the chain. Removing entries from the end is caught by comparing with
a head exported earlier (`flask elearn audit export`). Entries written before MACs existed
are signed once by `flask elearn audit seal`.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from flask_babel import gettext as _
from sqlalchemy import select, update

from .. import keyring
from ..extensions import db
from ..models import AuditEntry, AuditHead
from ..clock import utcnow

GENESIS = "0" * 64


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)


def entry_hash(prev_hash: str, seq: int, at: datetime, actor_id: int | None, action: str,
               subject: str, data: str) -> str:
    body = canonical({"prev": prev_hash, "seq": seq, "at": at.isoformat(timespec="microseconds"),
                      "actor": actor_id, "action": action, "subject": subject, "data": data})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _mac(key: bytes, digest: str) -> str:
    return hmac.new(key, f"audit-entry:{digest}".encode("utf-8"), hashlib.sha256).hexdigest()


def entry_mac(digest: str) -> tuple[str, str]:
    """Authenticates one entry's hash (and through it, the whole chain before it) under the
    audit keyring's current key: (key id, mac)."""
    kid, key = keyring.current("audit")
    return kid, _mac(key, digest)


def mac_matches(entry: AuditEntry) -> bool:
    """The entry's MAC holds under the key it names (a key removed from the keyring verifies
    nothing)."""
    key = keyring.secret_for("audit", entry.key_id)
    return key is not None and hmac.compare_digest(entry.mac, _mac(key, entry.hash))


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
            kid, mac = entry_mac(digest)
            entry = AuditEntry(seq=seq, at=at, actor_id=actor_id, action=action,
                               subject=subject[:200], data=payload, prev_hash=prev, hash=digest,
                               mac=mac, key_id=kid)
            db.session.add(entry)
            db.session.flush()
            return entry
    raise RuntimeError("audit log is too busy to append")


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a walk: `reason` is a stable code (changed, missing, unlinked, unsigned,
    unknown-key, forged, head, truncated), `problem` the translated sentence for people."""

    checked: int
    first_bad_seq: int | None
    problem: str
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


@dataclass(frozen=True)
class Head:
    """The chain's last entry, exported for safekeeping away from the database."""

    seq: int
    hash: str
    mac: str
    at: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "mac": self.mac, "at": self.at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Head":
        """Raises ValueError for anything that is not an exported head."""
        try:
            head = cls(int(data["seq"]), str(data["hash"]), str(data["mac"]), str(data["at"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError("not an exported audit head") from exc
        if head.seq < 0 or len(head.hash) != 64:
            raise ValueError("not an exported audit head")
        return head


def _entries() -> Iterable[AuditEntry]:
    return db.session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars() \
        .yield_per(1000)


def _walk(check_macs: bool, head: Head | None = None) -> ChainReport:
    prev, expected_seq, checked, head_seen = GENESIS, 1, 0, head is None or head.seq == 0
    for entry in _entries():
        checked += 1
        seq = entry.seq
        if seq != expected_seq:
            return ChainReport(checked, expected_seq, _(
                "entry %(seq)d is missing (the next one found is %(found)d)",
                seq=expected_seq, found=seq), "missing")
        if entry.prev_hash != prev:
            return ChainReport(checked, seq, _(
                "entry %(seq)d does not follow entry %(before)d (removed, reordered or "
                "rewritten)", seq=seq, before=seq - 1), "unlinked")
        recomputed = entry_hash(entry.prev_hash, seq, entry.at, entry.actor_id, entry.action,
                                entry.subject, entry.data)
        if recomputed != entry.hash:
            return ChainReport(checked, seq, _("entry %(seq)d was changed", seq=seq),
                               "changed")
        if check_macs and not entry.mac:
            return ChainReport(checked, seq, _(
                "entry %(seq)d is not authenticated (written before audit keys, or its "
                "authentication was removed): run flask elearn audit seal once after "
                "upgrading", seq=seq), "unsigned")
        if check_macs and keyring.secret_for("audit", entry.key_id) is None:
            return ChainReport(checked, seq, _(
                "entry %(seq)d was authenticated with key %(kid)s, which is not in the audit "
                "keyring (restore it from a backup)", seq=seq, kid=entry.key_id), "unknown-key")
        if check_macs and not mac_matches(entry):
            return ChainReport(checked, seq, _(
                "entry %(seq)d was rewritten and re-hashed: its authentication does not "
                "match the audit key", seq=seq), "forged")
        if head is not None and seq == head.seq:
            if (entry.hash, entry.mac) != (head.hash, head.mac):
                return ChainReport(checked, seq, _(
                    "entry %(seq)d differs from the exported head", seq=seq), "head")
            head_seen = True
        prev, expected_seq = entry.hash, expected_seq + 1
    if not head_seen:
        return ChainReport(checked, head.seq, _(
            "the chain ends at entry %(last)d but the exported head is entry %(seq)d "
            "(entries removed from the end)", last=expected_seq - 1, seq=head.seq),
            "truncated")
    stored = db.session.get(AuditHead, 1)
    if stored is None:
        return ChainReport(checked, expected_seq, _("the chain's head record was removed"),
                           "head")
    if (stored.seq, stored.hash) != (expected_seq - 1, prev):
        return ChainReport(checked, expected_seq, _(
            "the chain ends at entry %(last)d but entries up to %(seq)d were written "
            "(entries removed from the end)", last=expected_seq - 1, seq=stored.seq),
            "truncated")
    return ChainReport(checked, None, "")


def verify_chain(head: Head | None = None) -> ChainReport:
    """Walk the whole chain in order; name the first entry that was changed, removed, moved,
    forged, or (with `head`) cut off after that head was exported."""
    return _walk(check_macs=True, head=head)


def export_head() -> Head:
    last = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    if last is None:
        return Head(0, GENESIS, "", "")
    return Head(last.seq, last.hash, last.mac, last.at.isoformat(timespec="microseconds"))


SEALED = "audit.sealed"


class SealRefused(Exception):
    pass


def seal_legacy() -> int:
    """Authenticate the entries written before audit keys existed, once: it appends an
    `audit.sealed` entry and refuses ever after, so blanking MACs later cannot get a rewritten
    chain re-authenticated. Refuses too when the hash chain is broken, or when an
    unauthenticated entry follows an authenticated one (tampering, not history). Returns
    how many entries it signed; no commit."""
    sealed_before = db.session.scalar(select(AuditEntry.seq).where(
        AuditEntry.action == SEALED).limit(1))
    if sealed_before is not None:
        raise SealRefused(_("the audit log was already sealed (entry %(seq)d): sealing runs "
                            "once", seq=sealed_before))
    walked = _walk(check_macs=False)
    if not walked.ok:
        raise SealRefused(walked.problem)
    signed_seen, sealed = False, 0
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        if entry.mac:
            if not mac_matches(entry):
                raise SealRefused(_("entry %(seq)d was rewritten and re-hashed: its "
                                    "authentication does not match the audit key",
                                    seq=entry.seq))
            signed_seen = True
        elif signed_seen:
            raise SealRefused(_("entry %(seq)d lost its authentication after later entries "
                                "were authenticated: this is tampering, not history",
                                seq=entry.seq))
        else:
            entry.key_id, entry.mac = entry_mac(entry.hash)
            sealed += 1
    record(SEALED, data={"entries": sealed})
    return sealed
