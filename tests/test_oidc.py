"""Single sign-on with OpenID Connect (issue #17 item 4), against a real provider built from
Authlib's server parts and served on 127.0.0.1 (elearn.testing.oidc_provider), the site
served by a real HTTP server too: every redirect of the dance is a real request.

A linked person signs in; an unknown subject is refused (or, with ELEARN_OIDC_AUTO_CREATE,
becomes a learner holding no role); a tampered state, a forged nonce and a missing PKCE
verifier are refused; local passwords keep working beside it; an admin links and unlinks
a subject in scope, once in the audit log."""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from html import unescape
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import func, select

from elearn.extensions import db
from elearn.models import AuditEntry, PersonIdentifier, RoleGrant, Role, User
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.orgs import unit_by_code
from elearn.testing import csrf_from, race, serve, signed_in_tabs
from elearn.testing.oidc_provider import CLIENT_ID, CLIENT_SECRET, Account, oidc_provider

from kit import PASSWORD, build_centre

SUB = "248289761001"


@contextmanager
def sso_site(make_app, **config) -> Iterator[tuple]:
    """(app, base URL of the served site, provider): the centre's people, SSO configured."""
    with oidc_provider(Account(sub=SUB, name="Nguyễn Thị SSO",
                               email="sso@example.vn")) as provider:
        app = make_app(OIDC_ISSUER=provider.issuer, OIDC_CLIENT_ID=CLIENT_ID,
                       OIDC_CLIENT_SECRET=CLIENT_SECRET, OIDC_DISPLAY_NAME="VNPT ID", **config)
        with app.app_context():
            build_centre()
            grant_role(create_user("qt.h", "Quản trị Huyện", PASSWORD, unit_by_code("H")),
                       Role.ADMIN, unit_by_code("H"))
            db.session.commit()
        with serve(app) as base:
            yield app, base, provider


def link(app, username: str, subject: str, issuer: str) -> None:
    with app.app_context():
        person = find_user(username)
        db.session.add(PersonIdentifier(user_id=person.id, kind="oidc",
                                        value=f"{issuer} {subject}"))
        db.session.commit()


def browser(language: str = "vi") -> requests.Session:
    session = requests.Session()
    session.cookies.set("lang", language)  # the language switch's cookie
    return session


def start(session: requests.Session, base: str, provider) -> requests.Response:
    """Click the button: elearn redirects to the provider's authorize endpoint."""
    answer = session.get(f"{base}/auth/oidc/login", allow_redirects=False)
    assert answer.status_code == 302, answer.text
    assert answer.headers["Location"].startswith(f"{provider.issuer}/authorize?")
    return answer


def to_provider_and_back(session, base, provider) -> tuple[requests.Response, str]:
    """The whole dance; the answer of elearn's callback and the callback URL."""
    authorize = start(session, base, provider).headers["Location"]
    consented = session.get(authorize, allow_redirects=False)
    assert consented.status_code == 302, consented.text
    callback = consented.headers["Location"]
    assert callback.startswith(f"{base}/auth/oidc/callback?")
    return session.get(callback, allow_redirects=False), callback


def signed_in_as(session, base) -> str:
    """The name the profile page shows, or "" when the session is not signed in."""
    page = session.get(f"{base}/profile/", allow_redirects=False)
    if page.status_code != 200:
        return ""
    return unescape(page.text)


def test_a_linked_person_signs_in_through_the_provider_with_pkce(make_app):
    with sso_site(make_app) as (app, base, provider):
        link(app, "hoc.vien", SUB, provider.issuer)
        session = browser()
        login_page = session.get(f"{base}/login")
        assert "Đăng nhập bằng VNPT ID" in unescape(login_page.text)
        authorize = start(session, base, provider).headers["Location"]
        asked = parse_qs(urlsplit(authorize).query)
        assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"]
        assert asked["state"] and asked["nonce"] and "openid" in asked["scope"][0].split()
        consented = session.get(authorize, allow_redirects=False)
        answer = session.get(consented.headers["Location"], allow_redirects=False)
        assert answer.status_code == 302 and answer.headers["Location"] == "/"
        assert "Nguyễn Thị Ánh Tuyết" in signed_in_as(session, base)
        # The code was spent; a replay of the callback is refused, not a second sign-in.
        again = browser()
        assert again.get(consented.headers["Location"], allow_redirects=False).status_code == 400


def test_an_unknown_subject_is_refused_with_a_translated_page(make_app):
    with sso_site(make_app) as (app, base, provider):
        link(app, "hoc.vien", "another-subject", provider.issuer)
        for language, text in (("vi", "chưa được liên kết"), ("en", "is not linked")):
            session = browser(language)
            answer, _callback = to_provider_and_back(session, base, provider)
            assert answer.status_code == 403
            assert text in unescape(answer.text)
            assert signed_in_as(session, base) == ""
        with app.app_context():
            assert db.session.scalar(select(func.count(User.id))) == 4  # nobody created


def test_the_same_subject_at_another_issuer_is_another_person(make_app):
    with sso_site(make_app) as (app, base, provider):
        link(app, "hoc.vien", SUB, "https://other-provider.example")
        answer, _callback = to_provider_and_back(browser(), base, provider)
        assert answer.status_code == 403


def test_a_tampered_state_is_refused_with_a_translated_400(make_app):
    with sso_site(make_app) as (app, base, provider):
        link(app, "hoc.vien", SUB, provider.issuer)
        session = browser()
        authorize = start(session, base, provider).headers["Location"]
        callback = session.get(authorize, allow_redirects=False).headers["Location"]
        tampered = re.sub(r"state=[^&]+", "state=forged-state", callback)
        answer = session.get(tampered, allow_redirects=False)
        assert answer.status_code == 400
        assert "Vui lòng bắt đầu lại" in unescape(answer.text)
        assert signed_in_as(session, base) == ""
        # Another browser replaying the genuine callback has no state of its own either.
        stranger = browser("en")
        replay = stranger.get(callback, allow_redirects=False)
        assert replay.status_code == 400 and "Please start again" in replay.text


def test_an_id_token_with_a_forged_nonce_is_refused(make_app):
    with sso_site(make_app) as (app, base, provider):
        link(app, "hoc.vien", SUB, provider.issuer)
        provider.forged_nonce = True
        session = browser()
        answer, _callback = to_provider_and_back(session, base, provider)
        assert answer.status_code == 400
        assert "không thể kiểm chứng" in unescape(answer.text)
        assert signed_in_as(session, base) == ""


def test_the_provider_demands_the_pkce_verifier_elearn_keeps(make_app):
    """The code is worthless without the verifier only elearn's session holds: redeemed by
    hand without it (or with a wrong one) the provider refuses; elearn's own request works."""
    with sso_site(make_app) as (app, base, provider):
        link(app, "hoc.vien", SUB, provider.issuer)
        session = browser()
        authorize = start(session, base, provider).headers["Location"]
        callback = session.get(authorize, allow_redirects=False).headers["Location"]
        code = parse_qs(urlsplit(callback).query)["code"][0]
        token_request = {"grant_type": "authorization_code", "code": code,
                         "redirect_uri": f"{base}/auth/oidc/callback"}
        for verifier in ({}, {"code_verifier": "x" * 64}):
            stolen = requests.post(f"{provider.issuer}/token", data={**token_request, **verifier},
                                   auth=(CLIENT_ID, CLIENT_SECRET))
            assert stolen.status_code == 400, stolen.text
            assert stolen.json()["error"] in ("invalid_request", "invalid_grant")
            assert "id_token" not in stolen.text
        # An authorization request without PKCE is refused by the provider.
        fresh = start(browser(), base, provider).headers["Location"]  # a nonce not yet used
        bare = re.sub(r"&?code_challenge(_method)?=[^&]+", "", fresh)
        refused = requests.get(bare, allow_redirects=False)
        assert "code_challenge" in unescape(refused.headers.get("Location", "") + refused.text)
        assert "code=" not in refused.headers.get("Location", "")


def test_local_passwords_keep_working_beside_single_sign_on(make_app):
    with sso_site(make_app) as (app, base, provider):
        session = browser()
        token = csrf_from(session.get(f"{base}/login").text)
        answer = session.post(f"{base}/login", data={"csrf_token": token, "username": "hoc.vien",
                                                     "password": PASSWORD},
                              allow_redirects=False)
        assert answer.status_code == 302
        assert "Nguyễn Thị Ánh Tuyết" in signed_in_as(session, base)


def test_auto_create_makes_a_learner_holding_no_role_never_an_admin(make_app):
    with sso_site(make_app, OIDC_AUTO_CREATE="H-C1") as (app, base, provider):
        provider.user.preferred_username = "qt.h"  # claims to be the admin: irrelevant
        first, second = browser(), browser()
        for session in (first, second):
            answer, _callback = to_provider_and_back(session, base, provider)
            assert answer.status_code == 302
            assert "Nguyễn Thị SSO" in signed_in_as(session, base)
        with app.app_context():
            created = db.session.scalars(select(User).where(
                User.full_name == "Nguyễn Thị SSO")).all()
            assert len(created) == 1  # the second sign-in found the first's account
            person = created[0]
            assert person.unit.code == "H-C1" and person.email == "sso@example.vn"
            assert db.session.scalars(select(RoleGrant).where(
                RoleGrant.user_id == person.id)).all() == []
            assert person.username != "qt.h"
        assert first.get(f"{base}/admin/", allow_redirects=False).status_code == 403


def test_single_sign_on_is_off_without_an_issuer(make_app):
    app = make_app()
    client = app.test_client()
    assert client.get("/auth/oidc/login").status_code == 404
    assert client.get("/auth/oidc/callback?code=x&state=y").status_code == 404
    assert "/auth/oidc/login" not in client.get("/login").get_data(as_text=True)


def test_an_unreachable_provider_is_a_clear_502_not_a_500(make_app):
    app = make_app(OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID=CLIENT_ID,
                   OIDC_CLIENT_SECRET=CLIENT_SECRET)
    client = app.test_client()
    client.set_cookie("lang", "en")
    answer = client.get("/auth/oidc/login")
    assert answer.status_code == 502
    assert "cannot be reached" in answer.get_data(as_text=True)


def admin_session(base: str) -> requests.Session:
    session = browser()
    token = csrf_from(session.get(f"{base}/login").text)
    assert session.post(f"{base}/login", data={"csrf_token": token, "username": "qt.h",
                                               "password": PASSWORD},
                        allow_redirects=False).status_code == 302
    return session


def links_audited(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEntry.id)).where(
            AuditEntry.action.in_(("person.external_id_linked",
                                   "person.external_id_unlinked"))))


def test_an_admin_links_and_unlinks_a_subject_in_scope(make_app):
    with sso_site(make_app) as (app, base, provider):
        with app.app_context():
            learner, outsider = find_user("hoc.vien").id, find_user("ban.ngoai").id
        admin = admin_session(base)
        page = f"{base}/admin/people/{learner}/sign-on"
        assert "/sign-on" in admin.get(f"{base}/admin/people/{learner}").text
        shown = admin.get(page)
        token = csrf_from(shown.text)
        for _twice in range(2):
            saved = admin.post(page, data={"csrf_token": token, "subject": f" {SUB} ",
                                           "link": "1"}, allow_redirects=False)
            assert saved.status_code == 302
        assert links_audited(app) == 1  # the resend changed nothing
        assert SUB in admin.get(page).text
        # Now the learner signs in through the provider.
        answer, _callback = to_provider_and_back(browser(), base, provider)
        assert answer.status_code == 302
        # The same subject for someone else: refused, and no CSRF token: refused.
        taken = admin.post(f"{base}/admin/people/{find_id(app, 'ttct')}/sign-on",
                           data={"csrf_token": token, "subject": SUB, "link": "1"})
        assert taken.status_code == 409 and "đã được liên kết" in unescape(taken.text)
        assert admin.post(page, data={"subject": "x", "link": "1"}).status_code == 400
        assert admin.post(page, data={"csrf_token": token, "subject": "x" * 256,
                                      "link": "1"}).status_code == 400
        # Out of scope (another district's person): refused.
        assert admin.get(f"{base}/admin/people/{outsider}/sign-on").status_code == 403
        assert admin.post(page, data={"csrf_token": token, "unlink": "1"},
                          allow_redirects=False).status_code == 302
        assert links_audited(app) == 2
        refused, _callback = to_provider_and_back(browser(), base, provider)
        assert refused.status_code == 403


def find_id(app, username: str) -> int:
    with app.app_context():
        return find_user(username).id


def test_an_admin_linking_from_several_tabs_at_once_links_once(make_app):
    with sso_site(make_app) as (app, base, provider):
        learner = find_id(app, "hoc.vien")
        page = f"/admin/people/{learner}/sign-on"
        tabs = signed_in_tabs(base, "qt.h", PASSWORD, page, 4)
        answers = race(tabs, page, {"subject": SUB, "link": "1"})
        assert sorted(status for status, _body in answers) == [302] * 4
        assert links_audited(app) == 1
        with app.app_context():
            assert db.session.scalar(select(func.count(PersonIdentifier.id)).where(
                PersonIdentifier.kind == "oidc")) == 1
        answers = race(tabs, page, {"unlink": "1"})
        assert sorted(status for status, _body in answers) == [302] * 4
        assert links_audited(app) == 2  # one link, one unlink


def test_simultaneous_first_sign_ins_of_one_subject_create_one_learner(make_app):
    with sso_site(make_app, OIDC_AUTO_CREATE="H-C1") as (app, base, provider):
        sessions = [browser() for _ in range(4)]
        callbacks = []
        for session in sessions:
            authorize = start(session, base, provider).headers["Location"]
            callbacks.append(session.get(authorize, allow_redirects=False).headers["Location"])
        barrier, statuses = threading.Barrier(len(sessions)), []

        def finish(session, callback):
            barrier.wait()
            statuses.append(session.get(callback, allow_redirects=False).status_code)

        threads = [threading.Thread(target=finish, args=pair)
                   for pair in zip(sessions, callbacks)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert statuses == [302] * 4
        with app.app_context():
            assert db.session.scalar(select(func.count(User.id)).where(
                User.full_name == "Nguyễn Thị SSO")) == 1
            assert db.session.scalar(select(func.count(AuditEntry.id)).where(
                AuditEntry.action == "person.created_by_sign_in")) == 1
