"""The public verification answer is remembered per code, and a revocation shows at once:
in the worker that revoked and in another one with its own cache (two apps on one database
stand for two gunicorn workers without Redis)."""
from __future__ import annotations

from sqlalchemy import update

from elearn.extensions import db
from elearn.models import User
from elearn.services import codes
from elearn.testing import csrf_token, signed_in_client

from kit import PASSWORD, build_centre, complete


def issued(app) -> tuple[str, int]:
    with app.app_context():
        build_centre()
        completion = complete()
        return codes.display(completion.code), completion.id


def rename_holder(app, name: str) -> None:
    """Behind the application's back, so only a fresh read of the record can show it."""
    with app.app_context():
        db.session.execute(update(User).where(User.username == "hoc.vien")
                           .values(full_name=name))
        db.session.commit()


def test_the_answer_is_remembered_and_a_revocation_shows_at_once_in_every_worker(make_app):
    first, second = (make_app(VERIFY_CACHE_SECONDS=300),  # two workers, each with its own cache
                     make_app(VERIFY_CACHE_SECONDS=300))
    code, completion_id = issued(first)
    public_1, public_2 = first.test_client(), second.test_client()
    for client in (public_1, public_2):
        answer = client.get(f"/api/v1/verify/{code}").get_json()
        assert (answer["status"], answer["holder"]) == ("valid", "N. T. Á. T****")

    rename_holder(first, "Trần Văn Khác")
    # Remembered: the record is not read again (the name is the cached one).
    assert public_1.get(f"/api/v1/verify/{code.lower()}").get_json()["holder"] \
        == "N. T. Á. T****"

    verifier = signed_in_client(first, "ttct", PASSWORD)
    token = csrf_token(verifier, "/centre/completions")
    assert verifier.post(f"/centre/completions/{completion_id}/revoke",
                         data={"csrf_token": token, "reason": "Ghi nhầm người học"}
                         ).status_code == 302
    for client in (public_1, public_2):
        answer = client.get(f"/api/v1/verify/{code}").get_json()
        assert answer["status"] == "revoked", answer
        assert answer["revocation_reason"] == "Ghi nhầm người học"
        assert answer["holder"] == "T. V. K***"           # read afresh


def test_without_the_cache_every_lookup_reads_the_record(make_app):
    app = make_app(VERIFY_CACHE_SECONDS=0)
    code, _completion_id = issued(app)
    public = app.test_client()
    assert public.get(f"/api/v1/verify/{code}").get_json()["holder"] == "N. T. Á. T****"
    rename_holder(app, "Trần Văn Khác")
    assert public.get(f"/api/v1/verify/{code}").get_json()["holder"] == "T. V. K***"


def test_signed_in_verifiers_and_mistyped_codes_are_answered_as_before(make_app):
    app = make_app()
    code, _completion_id = issued(app)
    public = app.test_client()
    public.get(f"/api/v1/verify/{code}")                  # remembered for the public
    verifier = signed_in_client(app, "ttct", PASSWORD)
    assert verifier.get(f"/api/v1/verify/{code}").get_json()["holder"] \
        == "Nguyễn Thị Ánh Tuyết"
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    response = public.get(f"/api/v1/verify/{typo}")
    assert response.status_code == 400 and "error" in response.get_json()
    assert public.get(f"/api/v1/verify/{codes.new_code()}").get_json() == {
        "status": "unknown"}
