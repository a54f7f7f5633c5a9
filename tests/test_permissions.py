"""Every registered route, checked against every role, inside and outside the role's scope.

Each role is held on district A. "In scope" requests are about things in A, "out of scope"
about things in district B. A route missing from ROUTES fails the test, so a new route must
say who may use it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

import pytest
from itsdangerous import URLSafeSerializer

from elearn.clock import local_today
from elearn.builtins.notifications.unsubscribe import SALT as UNSUBSCRIBE_SALT
from elearn.extensions import db
from elearn.models import PersonIdentifier, Role
from elearn.services.accounts import create_user
from elearn.services.orgs import unit_by_code
from elearn.services.sync import EXTERNAL
from elearn.testing import csrf_token, login, write_course
from elearn.testing.oidc_provider import CLIENT_ID, CLIENT_SECRET, oidc_provider

from kit import PASSWORD, ROLES, World

ANONYMOUS = "anonymous"
EVERYONE = {ANONYMOUS, "signed-in", *ROLES}
SIGNED_IN = {"signed-in", *ROLES}


@dataclass(frozen=True)
class Case:
    method: str
    path: Callable[["World", str], str]   # (world, "a" | "b") -> URL
    allowed: frozenset                 # who may, in scope
    scoped: bool = False               # out of scope, even the allowed are refused


def fixed(path: str) -> Callable[["World", str], str]:
    return lambda world, side: path


def by_id(template: str) -> Callable[["World", str], str]:
    """A URL about one object of side a or b, e.g. by_id("/admin/units/{unit}")."""
    return lambda world, side: template.format(**{
        key[:-2]: value for key, value in world.ids.items() if key.endswith("_" + side)})


def by_code_unit(template: str) -> Callable[["World", str], str]:
    """A URL about district A or district B by unit code (query parameter scope)."""
    return lambda world, side: template.format(unit=side.upper())


VIEWERS = frozenset({Role.OFFICER, Role.VERIFIER, Role.INSPECTOR})


def by_code(template: str) -> Callable[["World", str], str]:
    return lambda world, side: template.format(code=world.codes[side])


def only(*roles) -> frozenset:
    return frozenset(roles)


COURSE = "/courses/khoa-thu"
UNSUBSCRIBE_TOKEN = URLSafeSerializer("test-secret-key", salt=UNSUBSCRIBE_SALT).dumps([1, "reminder"])
YEAR = local_today().year
ROUTES: dict[str, Case] = {
    "main.index": Case("GET", fixed("/"), frozenset(EVERYONE)),
    "main.set_language": Case("POST", fixed("/language"), frozenset(EVERYONE)),
    "main.favicon": Case("GET", fixed("/favicon.ico"), frozenset(EVERYONE)),
    "auth.login": Case("GET", fixed("/login"), frozenset(EVERYONE)),
    "auth.join": Case("GET", fixed("/join"), frozenset(EVERYONE)),
    "auth.logout": Case("POST", fixed("/logout"), frozenset(SIGNED_IN)),
    "profile.show": Case("GET", fixed("/profile/"), frozenset(SIGNED_IN)),
    "profile.password": Case("GET", fixed("/profile/password"), frozenset(SIGNED_IN)),
    "courses.course": Case("GET", fixed(f"{COURSE}/"), frozenset(SIGNED_IN)),
    "courses.lesson": Case("GET", fixed(f"{COURSE}/lessons/01-mot"), frozenset(SIGNED_IN)),
    "courses.asset": Case("GET", fixed(f"{COURSE}/assets/so-do.png"), frozenset(SIGNED_IN)),
    # Learners: lessons studied, the quiz; an attempt is its owner's alone, and
    # nobody in this matrix owns attempt 999.
    "courses.studied": Case("POST", fixed(f"{COURSE}/lessons/01-mot/studied"),
                            frozenset(SIGNED_IN)),
    "quiz.overview": Case("GET", fixed(f"{COURSE}/quiz/"), frozenset(SIGNED_IN)),
    "quiz.start": Case("POST", fixed(f"{COURSE}/quiz/start"), frozenset(SIGNED_IN)),
    "quiz.question": Case("GET", fixed(f"{COURSE}/quiz/999/1"), only()),
    "quiz.summary": Case("GET", fixed(f"{COURSE}/quiz/999/summary"), only()),
    "quiz.submit": Case("POST", fixed(f"{COURSE}/quiz/999/submit"), only()),
    "quiz.result": Case("GET", fixed(f"{COURSE}/quiz/999/result"), only()),
    "admin.index": Case("GET", fixed("/admin/"), only(Role.ADMIN)),
    "admin.courses": Case("GET", fixed("/admin/courses"), only(Role.ADMIN)),
    "admin_units.list_units": Case("GET", fixed("/admin/units/"), only(Role.ADMIN)),
    "admin_units.create_unit": Case("POST", fixed("/admin/units/"), only(Role.ADMIN)),
    "admin_units.edit_unit": Case("GET", by_id("/admin/units/{unit}"), only(Role.ADMIN), True),
    "admin_units.import_units": Case("GET", fixed("/admin/units/import"), only(Role.ADMIN)),
    "admin_people.list_people": Case("GET", fixed("/admin/people/"), only(Role.ADMIN)),
    "admin_people.edit_person": Case("GET", by_id("/admin/people/{person}"), only(Role.ADMIN),
                                     True),
    "person_identifiers.export": Case("GET", fixed("/admin/people/identifiers.csv"),
                                      only(Role.ADMIN)),
    "person_identifiers.edit": Case("GET", by_id("/admin/people/{person}/identifiers"),
                                    only(Role.ADMIN), True),
    "admin_people.grant_role": Case("POST", by_id("/admin/people/{person}/roles"),
                                    only(Role.ADMIN), True),
    "admin_people.confirm_revoke_role": Case(
        "GET", by_id("/admin/people/{person}/roles/{grant}/revoke"), only(Role.ADMIN), True),
    "admin_people.revoke_role": Case("POST", by_id("/admin/people/{person}/roles/{grant}/revoke"),
                                     only(Role.ADMIN), True),
    "admin_people.reset_password": Case("POST", by_id("/admin/people/{person}/password"),
                                        only(Role.ADMIN), True),
    "admin_people.confirm_reset_password": Case("GET", by_id("/admin/people/{person}/password"),
                                                only(Role.ADMIN), True),
    "admin_people.import_people": Case("GET", fixed("/admin/people/import"), only(Role.ADMIN)),
    "admin_people.list_invitations": Case("GET", fixed("/admin/invitations/"), only(Role.ADMIN)),
    "admin_people.create_invitation": Case("POST", fixed("/admin/invitations/"),
                                           only(Role.ADMIN)),
    "admin_people.revoke_invitation": Case("POST", by_id("/admin/invitations/{invitation}/revoke"),
                                           only(Role.ADMIN), True),
    "verify.form": Case("GET", fixed("/verify"), frozenset(EVERYONE)),
    "verify.page": Case("GET", by_code("/verify/{code}"), frozenset(EVERYONE)),
    "verify.api": Case("GET", by_code("/api/v1/verify/{code}"), frozenset(EVERYONE)),
    # JSON API v1: a person's own data; the centre's list in the verifier's subtree.
    "api_docs.openapi_json": Case("GET", fixed("/api/v1/openapi.json"), frozenset(EVERYONE)),
    "api_docs.docs": Case("GET", fixed("/api/v1/docs"), frozenset(EVERYONE)),
    # API tokens: one's own under the profile; the admin's page for the units they manage.
    "api_tokens.mine": Case("GET", fixed("/profile/tokens"), frozenset(SIGNED_IN)),
    "api_tokens.create_mine": Case("POST", fixed("/profile/tokens"), frozenset(SIGNED_IN)),
    "api_tokens.confirm_revoke_mine": Case("GET", fixed("/profile/tokens/999/revoke"), only()),
    "api_tokens.revoke_mine": Case("POST", fixed("/profile/tokens/999/revoke"), only()),
    "api_tokens.admin_list": Case("GET", fixed("/admin/tokens"), only(Role.ADMIN)),
    "api_tokens.admin_create": Case("POST", fixed("/admin/tokens"), only(Role.ADMIN)),
    "api_tokens.admin_confirm_revoke": Case("GET", by_id("/admin/tokens/{token}/revoke"),
                                            only(Role.ADMIN), True),
    "api_tokens.admin_revoke": Case("POST", by_id("/admin/tokens/{token}/revoke"),
                                    only(Role.ADMIN), True),
    "api_v1.my_courses": Case("GET", fixed("/api/v1/me/courses"), frozenset(SIGNED_IN)),
    "api_v1.my_completions": Case("GET", fixed("/api/v1/me/completions"), frozenset(SIGNED_IN)),
    "api_v1.my_pledge": Case("GET", fixed("/api/v1/me/pledge"), frozenset(SIGNED_IN)),
    "api_v1.unit_completions": Case("GET", fixed("/api/v1/completions"), only(Role.VERIFIER)),
    # API v1 for centres and officers (a form body is not the JSON wanted: the allowed get a
    # 422, never a refusal); sync by external id (see `synced` below), admins in their subtree.
    "api_v1_org.catalogue_list": Case("GET", fixed("/api/v1/catalogue"), frozenset(EVERYONE)),
    "api_v1_org.record_completion": Case("POST", fixed("/api/v1/completions"),
                                         only(Role.VERIFIER)),
    "api_v1_org.revoke_completion": Case("POST", by_code("/api/v1/completions/{code}/revoke"),
                                         only(Role.VERIFIER), True),
    "api_v1_org.put_unit": Case("PUT", lambda world, side: f"/api/v1/units/ext-unit-{side}",
                                only(Role.ADMIN), True),
    "api_v1_org.delete_unit": Case("DELETE", lambda world, side: f"/api/v1/units/ext-unit-{side}",
                                   only(Role.ADMIN), True),
    "api_v1_org.put_person": Case("PUT", lambda world, side: f"/api/v1/people/ext-person-{side}",
                                  only(Role.ADMIN), True),
    "api_v1_org.delete_person": Case("DELETE",
                                     lambda world, side: f"/api/v1/people/ext-person-{side}",
                                     only(Role.ADMIN), True),
    "api_v1_org.unit_pledges": Case("GET", by_code_unit("/api/v1/units/{unit}/pledges"),
                                    only(Role.REVIEWER, Role.INSPECTOR), True),
    "api_v1_org.unit_report": Case("GET", by_code_unit("/api/v1/units/{unit}/report"),
                                   VIEWERS, True),
    "certificates.mine": Case("GET", fixed("/certificates/"), frozenset(SIGNED_IN)),
    # Open Badges: the platform's public key and issuer profile, for offline verification.
    "credentials.jwks": Case("GET", fixed("/.well-known/jwks.json"), frozenset(EVERYONE)),
    "credentials.issuer": Case("GET", fixed("/api/v1/issuer"), frozenset(EVERYONE)),
    # Only the holder (not among the role holders here) and verifiers of the holder's unit.
    "certificates.show": Case("GET", by_code("/certificates/{code}"), only(Role.VERIFIER), True),
    "certificates.download": Case("GET", by_code("/certificates/{code}.pdf"),
                                  only(Role.VERIFIER), True),
    "centre.completions_list": Case("GET", fixed("/centre/completions"), only(Role.VERIFIER)),
    "centre.record": Case("GET", fixed("/centre/completions/record"), only(Role.VERIFIER)),
    "centre.bulk_certificates_page": Case("GET", fixed("/centre/certificates"),
                                          only(Role.VERIFIER)),
    "centre.import_completions": Case("GET", fixed("/centre/completions/import"),
                                      only(Role.VERIFIER)),
    "centre.accommodations_page": Case("GET", fixed("/centre/accommodations"),
                                       only(Role.VERIFIER)),
    "centre.revoke": Case("POST", by_id("/centre/completions/{completion}/revoke"),
                          only(Role.VERIFIER), True),
    "pledges.index": Case("GET", fixed("/pledges/"), frozenset(SIGNED_IN)),
    "pledges.edit": Case("GET", fixed(f"/pledges/{YEAR}"), frozenset(SIGNED_IN)),
    "pledges.autosave": Case("POST", fixed(f"/pledges/{YEAR}/autosave"), frozenset(SIGNED_IN)),
    # Nobody here has an acknowledged pledge: the page is theirs alone, and answers 404.
    "pledges.assessment": Case("GET", fixed(f"/pledges/{YEAR}/assessment"), frozenset()),
    "review.index": Case("GET", fixed("/review/?unit=A"), only(Role.REVIEWER, Role.INSPECTOR)),
    "review.show": Case("GET", by_id("/review/pledges/{pledge}"),
                        only(Role.REVIEWER, Role.INSPECTOR), True),
    "review.acknowledge": Case("POST", by_id("/review/pledges/{pledge}/acknowledge"),
                               only(Role.REVIEWER), True),
    "review.return_pledge": Case("POST", by_id("/review/pledges/{pledge}/return"),
                                 only(Role.REVIEWER), True),
    "review.rate": Case("POST", by_id("/review/pledges/{pledge}/rate"), only(Role.REVIEWER),
                        True),
    "review.publish": Case("POST", by_id("/review/pledges/{pledge}/publish"),
                           only(Role.REVIEWER), True),
    "review.export": Case("GET", fixed(f"/review/export.xlsx?unit=A&year={YEAR}"),
                          only(Role.REVIEWER, Role.INSPECTOR)),
    # Committee work: the reviewer sits on district A's committee.
    "review.bind_volume": Case("POST", fixed(f"/review/volumes?unit=A&year={YEAR}"),
                               only(Role.REVIEWER)),
    "review.volume": Case("GET", by_id("/review/volumes/{volume}.pdf"),
                          only(Role.REVIEWER, Role.INSPECTOR), True),
    "review.breakthrough": Case("POST", fixed(f"/review/breakthrough?unit=A&year={YEAR}"),
                                only(Role.REVIEWER)),
    "review.meetings": Case("GET", fixed(f"/review/meetings?unit=A&year={YEAR}"),
                            only(Role.REVIEWER, Role.INSPECTOR)),
    "review.record_meeting": Case("POST", fixed(f"/review/meetings?unit=A&year={YEAR}"),
                                  only(Role.REVIEWER)),
    "review.exemplars": Case("GET", fixed(f"/review/exemplars?unit=A&year={YEAR}"),
                             only(Role.REVIEWER)),
    "review.nominate": Case("POST", fixed(f"/review/exemplars?unit=A&year={YEAR}"),
                            only(Role.REVIEWER)),
    "review.decide": Case("POST", by_id("/review/exemplars/{exemplar}/decide"),
                          only(Role.REVIEWER), True),
    "committees.committee": Case("GET", by_id("/admin/units/{district}/committee"),
                                 only(Role.ADMIN), True),
    "committees.remove": Case("POST", by_id("/admin/units/{district}/committee/{seat}/remove"),
                              only(Role.ADMIN), True),
    "committees.import_seats": Case("GET", fixed("/admin/committees/import"), only(Role.ADMIN)),
    "plans.index": Case("GET", fixed("/plans/"), only(Role.OFFICER, Role.ADMIN)),
    "plans.create": Case("POST", fixed("/plans/"), only(Role.OFFICER, Role.ADMIN)),
    "plans.edit": Case("GET", by_id("/plans/{plan}"), only(Role.OFFICER, Role.ADMIN), True),
    "plans.extend": Case("POST", by_id("/plans/{plan}/extensions"),
                         only(Role.OFFICER, Role.ADMIN), True),
    "inspections.index": Case("GET", fixed("/inspections/"),
                              only(Role.REVIEWER, Role.INSPECTOR, Role.OFFICER)),
    "inspections.record": Case("POST", fixed("/inspections/"), only(Role.REVIEWER)),
    "inspections.follow_up": Case("POST", by_id("/inspections/{inspection}/follow-up"),
                                  only(Role.REVIEWER), True),
    "public.pledges": Case("GET", fixed("/public/units/P/pledges"), frozenset(EVERYONE)),
    "public.press": Case("GET", fixed("/public/units/P/pledges.txt"), frozenset(EVERYONE)),
    "public.exemplars": Case("GET", fixed("/public/units/P/exemplars"), frozenset(EVERYONE)),
    "public.exemplars_csv": Case("GET", fixed("/public/units/P/exemplars.csv"),
                                 frozenset(EVERYONE)),
    "dashboard.index": Case("GET", by_code_unit("/dashboard/?unit={unit}"), VIEWERS, True),
    "dashboard.missing": Case("GET", by_code_unit("/dashboard/missing?unit={unit}"), VIEWERS,
                              True),
    "dashboard.export": Case("GET", by_code_unit("/dashboard/export/pledges.csv?unit={unit}"),
                             VIEWERS, True),
    # Jobs: a person's own list; nobody in this matrix asked for job 999 (owner only).
    "jobs.mine": Case("GET", fixed("/jobs/"), frozenset(SIGNED_IN)),
    "jobs.show": Case("GET", fixed("/jobs/999"), only()),
    "jobs.download": Case("GET", fixed("/jobs/999/download"), only()),
    "admin.jobs": Case("GET", fixed("/admin/jobs"), only(Role.ADMIN)),
    "admin.outbox": Case("GET", fixed("/admin/outbox"), only(Role.ADMIN)),
    "admin.outbox_retry": Case("POST", fixed("/admin/outbox/999999/retry"), only(Role.ADMIN)),
    # The one-click unsubscribe link is its own permission (a signed token); a page asks first.
    "notifications_unsubscribe.confirm": Case("GET", fixed(
        f"/unsubscribe/{UNSUBSCRIBE_TOKEN}"), frozenset(EVERYONE)),
    "admin.plugins": Case("GET", fixed("/admin/plugins"), only(Role.ADMIN)),
    "author.index": Case("GET", fixed("/author/"), only(Role.AUTHOR)),
    "author.questions": Case("GET", fixed("/author/courses/khoa-thu/questions"),
                             only(Role.AUTHOR)),
    # Publishing (issue #13): no upload 999 exists, so even an author gets 404 there (that
    # authors may open an upload and learners may not is in tests/test_publish.py).
    "author.upload": Case("GET", fixed("/author/courses/upload"), only(Role.AUTHOR)),
    "author.package": Case("GET", fixed("/author/courses/999"), only()),
    "author.package_preview": Case("GET", fixed("/author/courses/999/preview"), only()),
    "author.preview": Case("GET", fixed("/author/preview/khoa-thu"), only(Role.AUTHOR)),
    "admin.activate_course": Case("POST", fixed("/admin/courses/999/activate"), only()),
    "admin.reload_courses": Case("POST", fixed("/admin/courses/reload"), only(Role.ADMIN)),
    # Question banks: converted from the upload, nothing stored; a bare POST is a 400 form.
    "banks.index": Case("GET", fixed("/author/banks/"), only(Role.AUTHOR)),
    "banks.template": Case("GET", fixed("/author/banks/template.xlsx"), only(Role.AUTHOR)),
    "banks.import_bank": Case("POST", fixed("/author/banks/import"), only(Role.AUTHOR)),
    "banks.export_bank": Case("POST", fixed("/author/banks/export"), only(Role.AUTHOR)),
    # Lessons from Word: converted from the upload, nothing stored; a bare POST is a 400 form.
    "word_lessons.index": Case("GET", fixed("/author/lessons/"), only(Role.AUTHOR)),
    "word_lessons.convert": Case("POST", fixed("/author/lessons/"), only(Role.AUTHOR)),
    "notifications.index": Case("GET", fixed("/notifications/"), frozenset(SIGNED_IN)),
    # Nobody's notification 999999: not found for everyone (one's own is tested in
    # tests/test_notifications.py).
    "notifications.read_one": Case("POST", fixed("/notifications/999999/read"), only()),
    # The same through API v1 (the notification plugin's ApiBlueprint).
    "api_v1_notifications.mine": Case("GET", fixed("/api/v1/me/notifications"),
                                      frozenset(SIGNED_IN)),
    "api_v1_notifications.read": Case("POST", fixed("/api/v1/me/notifications/999999/read"),
                                      only()),
    "notifications.read_all": Case("POST", fixed("/notifications/read-all"),
                                   frozenset(SIGNED_IN)),
    "notifications.preferences": Case("GET", fixed("/notifications/preferences"),
                                      frozenset(SIGNED_IN)),
    # Single sign-on: starting sends anyone to the provider (signed-in people go home), a
    # callback without its state is a 400; the whole flow is in tests/test_oidc.py.
    "oidc.login": Case("GET", fixed("/auth/oidc/login"), frozenset(EVERYONE)),
    "oidc.callback": Case("GET", fixed("/auth/oidc/callback?code=c&state=s"),
                          frozenset(EVERYONE)),
    "oidc.person": Case("GET", by_id("/admin/people/{person}/sign-on"), only(Role.ADMIN), True),
}


def test_every_registered_route_is_in_the_matrix(app):
    registered = {rule.endpoint for rule in app.url_map.iter_rules()
                  if rule.endpoint != "static"}
    assert registered - set(ROUTES) == set(), "add the new routes to ROUTES"
    assert set(ROUTES) - registered == set(), "ROUTES names routes that no longer exist"


def refused(status: int, location: str, who: str) -> bool:
    if who == ANONYMOUS:
        return status in (401, 403, 404) or (status == 302 and location.startswith("/login"))
    return status in (403, 404)


@pytest.fixture
def app(make_app, course_root):
    """The site with one extra course that has an asset, so every course route has a target."""
    folder = write_course(course_root)
    (folder / "assets" / "so-do.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    with oidc_provider() as provider:  # single sign-on on, against a real provider
        yield make_app(COURSE_DIRS=[str(course_root)], OIDC_ISSUER=provider.issuer,
                       OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET)


def synced(app) -> None:
    """Cells A-1 and B-1 and one person in each, known by external ids (API v1 sync)."""
    with app.app_context():
        for side in ("a", "b"):
            unit = unit_by_code(f"{side.upper()}-1")
            unit.external_id = f"ext-unit-{side}"
            person = create_user(f"dong.bo.{side}", f"Đồng bộ {side}", PASSWORD, unit)
            db.session.add(PersonIdentifier(user_id=person.id, kind=EXTERNAL,
                                            value=f"ext-person-{side}"))
        db.session.commit()


def test_every_route_against_every_role_in_and_out_of_scope(app, world, tmp_path):
    synced(app)
    people = {ANONYMOUS: None, "signed-in": "khong.vai.tro", **{r: f"role.{r.value}" for r in ROLES}}
    clients = {}
    for who, username in people.items():
        client = app.test_client()
        if username:
            assert login(client, username, PASSWORD).status_code == 302, who
        clients[who] = (client, csrf_token(client, "/"))
    problems = []
    # Allowed callers run last per route, so a route that changes something (revoke, reset)
    # is checked for refusals before it acts.
    order = sorted(people, key=lambda who: who in (Role.ADMIN, Role.VERIFIER, Role.REVIEWER,
                                                   Role.OFFICER))
    # Signing out ends each session, so it is checked last.
    for endpoint, case in sorted(ROUTES.items(), key=lambda item: item[0] == "auth.logout"):
        sides = ("b", "a") if case.scoped else ("a",)
        for who in order:
            client, token = clients[who]
            for side in sides:
                path = case.path(world, side)
                if case.method == "GET":
                    response = client.get(path)
                else:
                    response = client.open(path, method=case.method,
                                           data={"csrf_token": token},
                                           headers={"X-CSRFToken": token})
                location = response.headers.get("Location", "")
                should_pass = who in case.allowed and side == "a"
                if should_pass == refused(response.status_code, location, who):
                    problems.append(f"{case.method} {path} as {who} ({side}): "
                                    f"{response.status_code} {location}")
                if not should_pass and response.status_code == 200:
                    problems.append(f"{path} as {who}: refused but answered with data")
    (tmp_path / "problems.txt").write_text("\n".join(problems))
    assert problems == [], f"{len(problems)} problems, see {tmp_path / 'problems.txt'}"


def test_nobody_answers_their_own_pledge(app, world):
    """The reviewer sits on district A's committee, where their own pledge is routed: every
    answer to it is refused with a clear message, while a colleague's pledge is theirs to
    answer."""
    from elearn.extensions import db
    from elearn.models import Pledge, PledgeVersion
    from elearn.services.accounts import find_user

    with app.app_context():
        reviewer = find_user("role.reviewer")
        own = Pledge(user=reviewer, plan_id=world.ids["plan_a"], year=YEAR, status="filed",
                     review_unit_id=reviewer.seats[0].unit_id, is_published=False)
        db.session.add(own)
        db.session.flush()
        db.session.add(PledgeVersion(pledge_id=own.id, number=1, content="{}"))
        reviewer.is_leader = True
        db.session.commit()
        own_id = own.id
    client = app.test_client()
    assert login(client, "role.reviewer", PASSWORD).status_code == 302
    token = csrf_token(client, "/")
    for action, extra in (("acknowledge", {}), ("return", {"comment": "Sửa lại việc thứ hai"}),
                          ("rate", {"rating": "good"}), ("publish", {"publish": "1"})):
        response = client.post(f"/review/pledges/{own_id}/{action}",
                               data={"csrf_token": token, **extra})
        assert response.status_code == 403, action
        assert "của chính mình" in response.get_data(as_text=True), action
    with app.app_context():
        own = db.session.get(Pledge, own_id)
        assert own.status == "filed" and not own.is_published
        assert own.versions[0].outcome is None
    answered = client.post(f"/review/pledges/{world.ids['pledge_a']}/acknowledge",
                           data={"csrf_token": token})
    assert answered.status_code == 302
