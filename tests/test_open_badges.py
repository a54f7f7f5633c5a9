"""Completions as Open Badges 3.0 credentials: a VC-JWT (EdDSA) that anyone can verify offline
with the published JWKS, matching the completion; refused when revoked or not yours."""
from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path

import pytest
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from elearn.extensions import db
from elearn.models import User
from elearn.registry import current_registry
from elearn.services import codes, completions
from elearn.services.accounts import find_user
from elearn.testing import signed_in_client

from kit import CENTRE_COURSE as COURSE, PASSWORD, complete

PUBLIC = "https://hoctap.example.vn"


def signed_in(app, username):
    return signed_in_client(app, username, PASSWORD)


@pytest.fixture
def site(make_app):
    from kit import build_centre
    app = make_app(PUBLIC_URL=PUBLIC)
    with app.app_context():
        build_centre()
        user = find_user("hoc.vien")
        user.email = "Tuyet.NTA@Thu-Dien.test"
        db.session.commit()
        code = codes.display(complete().code)
    return app, code


def published_keys(app) -> dict:
    """The JWKS as a verifier stores it: plain JSON fetched once, then used offline."""
    return json.loads(app.test_client().get("/.well-known/jwks.json").get_data(as_text=True))


def verify_offline(token: str, jwks_json: dict) -> tuple[dict, dict]:
    """Only joserfc and the JWKS JSON: no app, no database, no network."""
    keys = KeySet.import_key_set(jwks_json)
    result = jws.deserialize_compact(token, keys, algorithms=["EdDSA"])
    return result.protected, json.loads(result.payload)


def test_the_credential_verifies_offline_and_matches_the_completion(site):
    app, code = site
    token = signed_in(app, "hoc.vien").get(f"/certificates/{code}.jwt")
    assert token.status_code == 200 and token.mimetype == "application/vc+jwt"
    header, claims = verify_offline(token.get_data(as_text=True), published_keys(app))
    assert header["alg"] == "EdDSA" and header["typ"] == "vc+jwt"
    assert header["kid"] == published_keys(app)["keys"][0]["kid"]

    with app.app_context():
        completion = completions.verify(code).completion
        course = current_registry().course(COURSE)
        completed_at, version, content_hash = (completion.completed_at,
                                               completion.course_version,
                                               completion.content_hash)
        expected_issuer = course.issuer.get("vi") if course.issuer else None
        titles = dict(course.title.values)
    assert claims["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                  "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["issuer"]["id"] == f"{PUBLIC}/api/v1/issuer" == claims["iss"]
    if expected_issuer:
        assert claims["issuer"]["name"] == expected_issuer
    assert claims["validFrom"] == completed_at.replace(microsecond=0).isoformat() + "Z"
    subject = claims["credentialSubject"]
    achievement = subject["achievement"]
    assert achievement["nameLanguages"] == titles and achievement["name"] == titles["vi"]
    assert achievement["version"] == version
    assert achievement["contentHash"]["value"] == content_hash
    assert achievement["criteria"]["narrative"]
    # The holder: a salted hash of the (normalised) email, and the name for display only.
    assert subject["name"] == "Nguyễn Thị Ánh Tuyết"
    identifier = subject["identifier"][0]
    salt = identifier["salt"]
    assert identifier["identityHash"] == "sha256$" + hashlib.sha256(
        ("tuyet.nta@thu-dien.test" + salt).encode()).hexdigest()
    payload = token.get_data(as_text=True).split(".")[1]
    assert "thu-dien" not in base64.urlsafe_b64decode(payload + "==").decode().lower()
    assert claims["credentialStatus"]["id"] == f"{PUBLIC}/api/v1/verify/{code}"
    status = app.test_client().get(f"/api/v1/verify/{code}").get_json()
    assert status["status"] == "valid"
    # Downloading again gives the same credential (stable salt and id).
    again = signed_in(app, "hoc.vien").get(f"/certificates/{code}.jwt").get_data(as_text=True)
    assert again == token.get_data(as_text=True)
    readable = signed_in(app, "hoc.vien").get(f"/certificates/{code}.json")
    assert readable.status_code == 200 and json.loads(readable.data)["id"] == claims["id"]


def test_a_tampered_credential_fails_verification(site):
    app, code = site
    token = signed_in(app, "hoc.vien").get(f"/certificates/{code}.jwt").get_data(as_text=True)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["achievement"]["version"] = "99"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(BadSignatureError):
        verify_offline(f"{header}.{forged}.{signature}", published_keys(app))
    # A key that is not the platform's does not verify a genuine one either.
    from joserfc.jwk import OKPKey
    other = OKPKey.generate_key("Ed25519", auto_kid=True).as_dict(private=False)
    other["kid"] = published_keys(app)["keys"][0]["kid"]
    with pytest.raises(BadSignatureError):
        verify_offline(token, {"keys": [other]})


def test_a_revoked_completion_is_refused_and_its_status_says_revoked(site):
    app, code = site
    with app.app_context():
        completions.revoke(completions.verify(code).completion, "Học hộ", find_user("ttct"))
        db.session.commit()
    holder = signed_in(app, "hoc.vien")
    for extension in ("jwt", "json", "pdf"):
        response = holder.get(f"/certificates/{code}.{extension}",
                              headers={"Accept-Language": "vi"})
        assert response.status_code == 410
        assert "đã bị thu hồi" in response.get_data(as_text=True)
    assert app.test_client().get(f"/api/v1/verify/{code}").get_json()["status"] == "revoked"


def test_another_learner_cannot_download_someone_elses_credential(site):
    app, code = site
    # 404 like the PDF (tests/test_completions.py): others learn nothing, not even that the
    # code exists. The holder's unit verifier may.
    stranger = signed_in(app, "ban.ngoai")
    assert stranger.get(f"/certificates/{code}.jwt").status_code == 404
    assert stranger.get(f"/certificates/{code}.json").status_code == 404
    assert app.test_client().get(f"/certificates/{code}.jwt").status_code in (302, 401)
    assert signed_in(app, "ttct").get(f"/certificates/{code}.jwt").status_code == 200


def test_the_key_is_private_to_the_instance_and_only_its_public_half_is_published(site):
    app, _code = site
    path = Path(app.instance_path) / "credential_key.jwk.json"
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    private = json.loads(path.read_text())
    published = published_keys(app)["keys"]
    assert len(published) == 1 and published[0]["x"] == private["x"]
    assert "d" not in published[0] and "d" in private
    profile = app.test_client().get("/api/v1/issuer").get_json()
    assert profile["id"] == f"{PUBLIC}/api/v1/issuer" and profile["type"] == ["Profile"]
    assert profile["publicKey"] == f"{PUBLIC}/.well-known/jwks.json"
