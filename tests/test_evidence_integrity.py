"""Tamper evidence that survives database access: whoever can write the database (but does not
hold the keys, which live outside it) cannot turn a revoked certificate back to valid, nor
rewrite the audit log and re-hash it, nor cut its end off, without `flask elearn audit verify`
and the public verification saying so. On SQLite and PostgreSQL."""
from __future__ import annotations

import json

from sqlalchemy import delete, select, text, update

from elearn.extensions import db
from elearn.models import AuditEntry, AuditHead, Completion, Revocation
from elearn.services import audit, codes, completions
from elearn.services.accounts import find_user

from kit import complete


def revoked_code(app) -> str:
    """A completion for hoc.vien, then revoked by the centre; a second, valid one after it."""
    with app.app_context():
        completion = complete()
        completions.revoke(completion, "Học hộ, đã xác minh", find_user("ttct"))
        db.session.commit()
        complete(username="ban.ngoai")
        return completion.code


def run(app, sql: str, **params) -> None:
    with app.app_context():
        db.session.execute(text(sql), params)
        db.session.commit()


def verify_cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["elearn", "audit", "verify", *args])


def api_status(app, code: str) -> str:
    return app.test_client().get(f"/api/v1/verify/{codes.display(code)}").get_json()["status"]


def test_untouched_evidence_verifies(centre):
    code = revoked_code(centre)
    assert api_status(centre, code) == "revoked"
    result = verify_cli(centre)
    assert result.exit_code == 0, result.output
    assert "nguyên vẹn: 3 mục" in result.output


def test_deleting_a_revocation_row_makes_the_certificate_invalid_not_valid(centre):
    code = revoked_code(centre)
    run(centre, "DELETE FROM revocations")
    assert api_status(centre, code) == "invalid"
    page = centre.test_client().get(f"/verify/{codes.display(code)}").get_data(as_text=True)
    assert "Bản ghi này đã bị sửa sau khi cấp" in page
    result = verify_cli(centre)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert any(codes.display(code) in line and "bị xóa" in line for line in lines), lines
    with centre.app_context():  # and the person cannot simply be issued a fresh one twice
        assert completions.active_completion(find_user("hoc.vien").id,
                                             "cd-2016-toan-khoa") is None


def test_editing_a_revocation_row_is_detected(centre):
    code = revoked_code(centre)
    run(centre, "UPDATE revocations SET reason = 'Nhầm lẫn'")
    assert api_status(centre, code) == "invalid"
    result = verify_cli(centre)
    assert result.exit_code == 1 and codes.display(code) in result.output
    assert "thu hồi đã bị sửa" in result.output


def test_rolling_the_record_back_and_deleting_the_revocation_is_named_by_the_audit_log(centre):
    """Someone who saved the record before it was revoked puts it back: the record then
    signs as valid, but the key-authenticated audit log still holds the revocation."""
    with centre.app_context():
        completion = complete()
        before = completion.signature
        completions.revoke(completion, "Học hộ, đã xác minh", find_user("ttct"))
        db.session.commit()
        code, completion_id = completion.code, completion.id
    run(centre, "DELETE FROM revocations")
    run(centre, "UPDATE completions SET revoked = :no, signature = :sig WHERE id = :id",
        no=False, sig=before, id=completion_id)
    result = verify_cli(centre)
    assert result.exit_code == 1
    assert codes.display(code) in result.output and "chưa bị thu hồi" in result.output


def test_a_rewritten_and_rehashed_audit_chain_is_detected(centre):
    revoked_code(centre)
    with centre.app_context():
        # The attacker rewrites entry 2 and re-hashes every entry after it, then the head,
        # using only what the database holds (the hash algorithm is public; the key is not).
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        prev = entries[0].hash
        for entry in entries[1:]:
            data = entry.data.replace("Học hộ", "Hợp lệ") if entry.seq == 2 else entry.data
            digest = audit.entry_hash(prev, entry.seq, entry.at, entry.actor_id, entry.action,
                                      entry.subject, data)
            db.session.execute(update(AuditEntry).where(AuditEntry.id == entry.id)
                               .values(data=data, prev_hash=prev, hash=digest))
            prev = digest
        db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))
        db.session.commit()
        report = audit.verify_chain()
        assert report.first_bad_seq == 2 and report.reason == "forged"
    result = verify_cli(centre)
    assert result.exit_code == 1 and "mục 2" in result.output and "băm lại" in result.output


def test_truncation_after_an_exported_head_is_detected(centre, tmp_path):
    revoked_code(centre)
    head_file = tmp_path / "head.json"
    runner = centre.test_cli_runner()
    exported = runner.invoke(args=["elearn", "audit", "export", "--out", str(head_file)])
    assert exported.exit_code == 0
    head = json.loads(head_file.read_text())
    assert head["seq"] == 3 and len(head["hash"]) == 64 and len(head["mac"]) == 64 and head["at"]
    assert verify_cli(centre, "--head", str(head_file)).exit_code == 0
    with centre.app_context():
        # Cut entry 3 off and move the head back: the chain alone now looks whole.
        db.session.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
        second = db.session.scalar(select(AuditEntry).where(AuditEntry.seq == 2))
        db.session.execute(update(AuditHead).values(seq=2, hash=second.hash))
        db.session.execute(delete(Completion).where(Completion.user.has(username="ban.ngoai")))
        db.session.commit()
        assert audit.verify_chain().ok
        report = audit.verify_chain(audit.Head.from_dict(head))
        assert report.first_bad_seq == 3 and report.reason == "truncated"
    result = verify_cli(centre, "--head", str(head_file))
    assert result.exit_code == 1 and "mục 3" in result.output


def test_a_malformed_head_file_gets_one_clear_line(centre, tmp_path):
    bad = tmp_path / "head.json"
    bad.write_text('{"seq": "x"}')
    result = verify_cli(centre, "--head", str(bad))
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "audit export" in result.output


def slipped_in_code(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Completion.code).where(
            Completion.user.has(username="ban.ngoai")))


def test_legacy_entries_and_revocations_are_sealed_once(centre):
    """Rows written before this change (no MAC, unsigned revocation, no revoked flag) fail
    verification until `flask elearn audit seal` authenticates them, once."""
    with centre.app_context():
        completion = complete()
        completion_id, code = completion.id, completion.code
        audit.record("completion.revoked", actor_id=find_user("ttct").id, subject=code,
                     data={"reason": "Cũ"})
        db.session.add(Revocation(completion_id=completion_id, reason="Cũ",
                                  revoked_by_id=find_user("ttct").id, signature=""))
        # An unsigned revocation the audit log never recorded is not history: never sealed.
        slipped_in = complete(username="ban.ngoai")
        db.session.add(Revocation(completion_id=slipped_in.id, reason="Giả",
                                  revoked_by_id=None, signature=""))
        db.session.execute(update(AuditEntry).values(mac=""))
        db.session.commit()
    assert api_status(centre, code) == "revoked"
    before = verify_cli(centre)
    assert before.exit_code == 1 and "audit seal" in before.output
    runner = centre.test_cli_runner()
    sealed = runner.invoke(args=["elearn", "audit", "seal"])
    assert sealed.exit_code == 0 and "3 mục" in sealed.output and "1 bản ghi" in sealed.output
    still = verify_cli(centre)
    assert still.exit_code == 1 and codes.display(slipped_in_code(centre)) in still.output
    run(centre, "DELETE FROM revocations WHERE reason = 'Giả'")
    assert verify_cli(centre).exit_code == 0
    run(centre, "DELETE FROM revocations")
    assert api_status(centre, code) == "invalid"  # sealed: now committed to by the record
    with centre.app_context():  # blanking a MAC later is tampering, and sealing runs once
        complete(username="hoc.vien", slug="cd-2017-suy-thoai")
        db.session.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(mac=""))
        db.session.commit()
    blanked = verify_cli(centre)
    assert blanked.exit_code == 1 and "mục 1" in blanked.output
    refused = runner.invoke(args=["elearn", "audit", "seal"])
    assert refused.exit_code == 1 and "một lần" in refused.output
