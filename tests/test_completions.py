"""Completion records: one per course, signed, immutable, revocable only by a new record;
verification by code; certificates; the training centre's pages; the audit chain."""
from __future__ import annotations

import io
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text, update

from elearn.extensions import db
from elearn.models import AuditEntry, Completion, Revocation
from elearn.registry import current_registry
from elearn.services import audit, codes, completions
from elearn.services.accounts import find_user
from elearn.testing import csrf_token, signed_in_client

from kit import CENTRE_COURSE as COURSE, PASSWORD, complete


def signed_in(app, username):
    return signed_in_client(app, username, PASSWORD)


def test_one_course_gives_one_completion_with_version_hash_and_signature(centre):
    with centre.app_context():
        first = complete()
        again = complete(score=50)
        assert again.id == first.id
        course = current_registry().course(COURSE)
        assert (first.course_version, first.content_hash) == (course.version, course.content_hash)
        assert first.method == "online" and first.score == 90.0
        assert completions.signature_valid(first)
        assert codes.normalise(codes.display(first.code)) == first.code
        assert db.session.scalar(select(func.count()).select_from(Completion)) == 1


def test_a_changed_record_no_longer_matches_its_signature(centre):
    with centre.app_context():
        code = complete().code
        db.session.execute(text("UPDATE completions SET score = 100"))
        db.session.commit()
        db.session.expire_all()
        assert completions.verify(code).status == completions.Status.INVALID


def test_revocation_is_a_separate_record_and_allows_a_new_completion(centre):
    with centre.app_context():
        first = complete()
        completions.revoke(first, "Học hộ, đã xác minh", find_user("ttct"))
        db.session.commit()
        assert completions.verify(first.code).status == completions.Status.REVOKED
        assert db.session.get(Completion, first.id).score == 90.0  # untouched
        second = complete(score=80)
        assert second.id != first.id and second.generation == 1
        assert completions.verify(second.code).status == completions.Status.VALID


def test_verification_page_and_api_for_every_status(centre):
    with centre.app_context():
        valid = codes.display(complete().code)
        revoked_completion = complete(username="ban.ngoai")
        completions.revoke(revoked_completion, "Sai đối tượng", find_user("ttct"))
        db.session.commit()
        revoked = codes.display(revoked_completion.code)
    client = centre.test_client()
    data = client.get(f"/api/v1/verify/{valid}").get_json()
    assert data["status"] == "valid" and data["course"]["slug"] == COURSE
    assert data["score"] == 90.0 and data["course"]["version"]
    assert data["holder"] == "N. T. Á. T****"  # masked for the public
    assert client.get(f"/api/v1/verify/{revoked}").get_json()["status"] == "revoked"
    unknown = codes.new_code()
    assert client.get(f"/api/v1/verify/{unknown}").get_json() == {"status": "unknown"}
    page = client.get(f"/verify/{valid.lower()}").get_data(as_text=True)
    assert "Hợp lệ" in page and "Nguyễn Thị Ánh Tuyết" not in page
    assert "N. T. Á. T****" in page


@pytest.mark.parametrize("typed", ["ABC", "not a code at all!", "0000-0000-00X"])
def test_malformed_codes_get_a_clear_400_never_a_500(centre, typed):
    client = centre.test_client()
    response = client.get(f"/api/v1/verify/{typed}")
    assert response.status_code == 400 and response.get_json()["error"]
    page = client.get(f"/verify/{typed}")
    assert page.status_code == 400 and "mã" in page.get_data(as_text=True).lower()


def test_a_single_mistyped_character_is_caught_before_lookup(centre):
    with centre.app_context():
        code = complete().code
    wrong = ("1" if code[3] != "1" else "2")
    typo = code[:3] + wrong + code[4:]
    response = centre.test_client().get(f"/api/v1/verify/{typo}")
    assert response.status_code == 400


def test_verifiers_of_the_unit_see_the_full_name_and_their_lookup_is_audited(centre):
    with centre.app_context():
        code = codes.display(complete().code)
    verifier = signed_in(centre, "ttct")
    data = verifier.get(f"/api/v1/verify/{code}").get_json()
    assert data["holder"] == "Nguyễn Thị Ánh Tuyết"
    with centre.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
        assert actions == ["completion.issued", "verification.lookup"]


def test_lookups_are_rate_limited_per_address(make_app):
    app = make_app(VERIFY_LOOKUPS_PER_MINUTE=3)
    client = app.test_client()
    code = codes.display(codes.new_code())
    statuses = [client.get(f"/api/v1/verify/{code}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = client.get(f"/api/v1/verify/{code}", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert other.status_code == 200


def test_the_page_and_the_api_share_one_count_and_say_how_much_is_left(make_app):
    app = make_app(VERIFY_LOOKUPS_PER_MINUTE=3)
    client = app.test_client()
    code = codes.display(codes.new_code())
    address = {"REMOTE_ADDR": "10.2.2.2"}
    answers = [client.get(f"/api/v1/verify/{code}", environ_base=address),
               client.get(f"/verify/{code}", environ_base=address),
               client.get(f"/api/v1/verify/{code}", environ_base=address),
               client.get(f"/verify/{code}", environ_base=address)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert [answer.headers["X-RateLimit-Remaining"] for answer in answers] == ["2", "1", "0", "0"]
    assert {answer.headers["X-RateLimit-Limit"] for answer in answers} == {"3"}
    assert "Retry-After" not in answers[0].headers
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 60
    assert "thử quá nhiều lần" in answers[3].get_data(as_text=True)  # the translated page


def test_lookups_are_still_answered_and_counted_when_the_shared_storage_is_down(make_app,
                                                                                 caplog):
    # Nothing listens on port 9: every Redis call is refused at once.
    app = make_app(VERIFY_LOOKUPS_PER_MINUTE=2, RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0")
    client = app.test_client()
    code = codes.display(codes.new_code())
    address = {"REMOTE_ADDR": "10.3.3.3"}
    statuses = [client.get(f"/api/v1/verify/{code}", environ_base=address).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert "rate-limit storage unavailable" in caplog.text


def test_certificate_pdf_has_the_name_with_diacritics_the_code_and_a_qr(centre):
    with centre.app_context():
        code = codes.display(complete().code)
    holder = signed_in(centre, "hoc.vien")
    page = holder.get(f"/certificates/{code}")
    assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)
    response = holder.get(f"/certificates/{code}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text_content = " ".join(p.extract_text() for p in reader.pages)
    assert "Nguyễn Thị Ánh Tuyết" in text_content
    assert code in text_content
    assert any("/Image" in str(p["/Resources"].get("/XObject", {}).get_object().values())
               or p["/Resources"].get("/XObject") for p in reader.pages)


def test_certificates_are_hidden_from_other_people(centre):
    with centre.app_context():
        code = codes.display(complete().code)
    stranger = signed_in(centre, "ban.ngoai")
    assert stranger.get(f"/certificates/{code}").status_code == 404
    assert stranger.get(f"/certificates/{code}.pdf").status_code == 404
    assert signed_in(centre, "ttct").get(f"/certificates/{code}.pdf").status_code == 200


def test_centre_sees_only_its_subtree_and_filters(centre):
    with centre.app_context():
        complete()
        complete(username="ban.ngoai")
    verifier = signed_in(centre, "ttct")
    page = verifier.get("/centre/completions").get_data(as_text=True)
    assert "Nguyễn Thị Ánh Tuyết" in page and "Trần Văn Ngoại" not in page
    none = verifier.get("/centre/completions?status=revoked").get_data(as_text=True)
    assert "Nguyễn Thị Ánh Tuyết" not in none
    other_course = verifier.get("/centre/completions?course=cd-2017-suy-thoai")
    assert "Nguyễn Thị Ánh Tuyết" not in other_course.get_data(as_text=True)


def test_centre_records_an_in_person_completion(centre):
    verifier = signed_in(centre, "ttct")
    token = csrf_token(verifier, "/centre/completions/record")
    form = {"csrf_token": token, "username": "hoc.vien", "course": COURSE,
            "completed_on": "2026-03-15", "score": "85", "note": "Lớp tháng 3"}
    assert verifier.post("/centre/completions/record", data=form).status_code == 302
    with centre.app_context():
        completion = db.session.scalar(select(Completion))
        assert completion.method == "in_person" and completion.recorded_by.username == "ttct"
        assert completion.completed_at.isoformat() == "2026-03-15T00:00:00"
        assert completions.signature_valid(completion)
    twice = verifier.post("/centre/completions/record", data=form)
    assert twice.status_code == 400
    outside = verifier.post("/centre/completions/record", data={**form, "username": "ban.ngoai"})
    assert outside.status_code == 400


CSV = """username,course_slug,completed_on,score,note
hoc.vien,cd-2016-toan-khoa,2026-03-15,85,Lớp A
hoc.vien,cd-2017-suy-thoai,2026-03-16,,
"""


def upload(client, text_body, dry_run):
    data = {"csrf_token": csrf_token(client, "/centre/completions/import"),
            "file": (BytesIO(text_body.encode()), "completions.csv")}
    if dry_run:
        data["dry_run"] = "y"
    return client.post("/centre/completions/import", data=data,
                       content_type="multipart/form-data")


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_csv_import_dry_run_then_all_or_nothing(centre):
    verifier = signed_in(centre, "ttct")
    assert upload(verifier, CSV, dry_run=True).status_code == 200
    with centre.app_context():
        assert count(Completion) == 0
    bad = CSV + "ban.ngoai,cd-2016-toan-khoa,2026-03-15,,\nai.do,khong-co,2099-01-01,500,\n"
    response = upload(verifier, bad, dry_run=False)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "ban.ngoai" in html and "ai.do" in html
    with centre.app_context():
        assert count(Completion) == 0 and count(AuditEntry) == 0
    assert upload(verifier, CSV, dry_run=False).status_code == 200
    with centre.app_context():
        assert count(Completion) == 2
        assert [e.action for e in db.session.scalars(select(AuditEntry).order_by(
            AuditEntry.seq))] == ["completion.issued", "completion.issued", "completion.import"]


def test_centre_revokes_with_a_reason(centre):
    with centre.app_context():
        completion_id = complete().id
    verifier = signed_in(centre, "ttct")
    token = csrf_token(verifier, "/centre/completions")
    verifier.post(f"/centre/completions/{completion_id}/revoke",
                  data={"csrf_token": token, "reason": "x"})
    with centre.app_context():
        assert count(Revocation) == 0
    verifier.post(f"/centre/completions/{completion_id}/revoke",
                  data={"csrf_token": token, "reason": "Không tham dự lớp"})
    with centre.app_context():
        revocation = db.session.scalar(select(Revocation))
        assert revocation.reason == "Không tham dự lớp" and revocation.revoked_by.username == "ttct"


def test_audit_chain_catches_changed_removed_and_reordered_entries(centre):
    with centre.app_context():
        for username in ("hoc.vien", "ban.ngoai"):
            complete(username=username)
        for slug in ("cd-2017-suy-thoai", "bac-ho-dao-duc-sinh-vien"):
            complete(slug=slug)
        assert audit.verify_chain().ok and audit.verify_chain().checked == 4
    runner = centre.test_cli_runner()
    assert runner.invoke(args=["elearn", "audit", "verify"]).exit_code == 0

    def tamper(sql):
        with centre.app_context():
            db.session.execute(text(sql))
            db.session.commit()
            return audit.verify_chain()

    changed = tamper("UPDATE audit_entries SET data = replace(data, '90.0', '100.0') WHERE seq = 2")
    assert changed.first_bad_seq == 2 and changed.reason == "changed"
    result = runner.invoke(args=["elearn", "audit", "verify"])
    assert result.exit_code == 1 and "mục 2" in result.output


def test_audit_chain_catches_removal_and_reordering(centre):
    with centre.app_context():
        for username in ("hoc.vien", "ban.ngoai"):
            complete(username=username)
        complete(slug="cd-2017-suy-thoai")
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        second, third = entries[1], entries[2]
        # Swap two entries' positions (reordering), keeping each one's own content.
        db.session.execute(update(AuditEntry).where(AuditEntry.id == second.id).values(seq=-1))
        db.session.execute(update(AuditEntry).where(AuditEntry.id == third.id).values(seq=2))
        db.session.execute(update(AuditEntry).where(AuditEntry.id == second.id).values(seq=3))
        db.session.commit()
        assert audit.verify_chain().first_bad_seq == 2
        db.session.execute(update(AuditEntry).where(AuditEntry.id == third.id).values(seq=-1))
        db.session.execute(update(AuditEntry).where(AuditEntry.id == second.id).values(seq=2))
        db.session.execute(update(AuditEntry).where(AuditEntry.id == third.id).values(seq=3))
        db.session.commit()
        assert audit.verify_chain().ok
        db.session.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
        db.session.commit()
        removed = audit.verify_chain()
        assert removed.first_bad_seq == 2 and removed.reason == "missing"
        db.session.execute(text("DELETE FROM audit_entries WHERE seq = 3"))
        db.session.commit()
        tail = audit.verify_chain()
        assert not tail.ok and tail.first_bad_seq == 2
