"""Member identifiers (party card number, citizen ID): typed and validated, unique per kind,
set by admins in scope with one audit entry per change, shown whole only to admins over the
person and to the person, masked to everyone else."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from elearn.extensions import db
from elearn.models import AuditEntry, PersonIdentifier, Role
from elearn.services import identifiers
from elearn.services.accounts import create_user, find_user, grant_role
from elearn.services.identifiers import IdentifierKind, InvalidIdentifier
from elearn.services.orgs import unit_by_code as find_unit
from elearn.testing import csrf_token, signed_in_client

from kit import PASSWORD

CARD, CCCD = IdentifierKind.PARTY_CARD, IdentifierKind.CITIZEN_ID


@pytest.mark.parametrize("kind, typed, stored", [
    (CARD, "123456", "123456"),
    (CARD, " 0123 4567 8901 ", "012345678901"),
    (CCCD, "001 234 567 890", "001234567890"),
    (CCCD, "096.123.456.789", "096123456789"),
    (CCCD, "", None),
])
def test_well_formed_identifiers_are_stored_as_digits(kind, typed, stored):
    assert identifiers.normalise(kind, typed) == stored


@pytest.mark.parametrize("kind, typed", [
    (CARD, "12345"), (CARD, "1234567890123"), (CARD, "12a456"), (CARD, "١٢٣٤٥٦"),
    (CCCD, "00123456789"), (CCCD, "0012345678901"), (CCCD, "000123456789"),
    (CCCD, "097123456789"), (CCCD, "abcdefghijkl"),
])
def test_malformed_identifiers_are_refused(kind, typed):
    with pytest.raises(InvalidIdentifier):
        identifiers.normalise(kind, typed)


def test_masked_shows_only_the_last_four_digits():
    assert identifiers.mask("001234561234") == "••••••••1234"


@pytest.fixture
def site(centre):
    with centre.app_context():
        grant_role(create_user("qt.h", "Quản trị Huyện", PASSWORD, find_unit("H")),
                   Role.ADMIN, find_unit("H"))
        grant_role(create_user("qt.k", "Quản trị Khác", PASSWORD, find_unit("K")),
                   Role.ADMIN, find_unit("K"))
        db.session.commit()
        learner, outsider = find_user("hoc.vien").id, find_user("ban.ngoai").id
    return centre, learner, outsider


def save(client, person_id, *, card="", cccd=""):
    path = f"/admin/people/{person_id}/identifiers"
    return client.post(path, data={"csrf_token": csrf_token(client, path),
                                   "party_card": card, "citizen_id": cccd},
                       headers={"Accept-Language": "vi"})


def audit_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "person.identifiers_changed")).all())


def test_an_admin_in_scope_sets_them_once_with_one_audit_entry(site):
    app, learner, _outsider = site
    admin = signed_in_client(app, "qt.h", PASSWORD)
    assert save(admin, learner, card="1234 5678", cccd="001234561234").status_code == 302
    assert save(admin, learner, card="12345678", cccd="001234561234").status_code == 302
    assert audit_count(app) == 1  # the resend changed nothing
    with app.app_context():
        assert identifiers.identifiers_of(find_user("hoc.vien")) == {
            CARD: "12345678", CCCD: "001234561234"}
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "person.identifiers_changed")).one()
        assert "001234561234" not in entry.data  # the log names what changed, not the value
    page = admin.get(f"/admin/people/{learner}/identifiers").get_data(as_text=True)
    assert "001234561234" in page
    assert save(admin, learner, card="", cccd="001234561234").status_code == 302
    assert audit_count(app) == 2
    with app.app_context():
        assert identifiers.identifiers_of(find_user("hoc.vien")) == {CCCD: "001234561234"}


def test_bad_input_gets_a_translated_message_and_a_400(site):
    app, learner, _outsider = site
    admin = signed_in_client(app, "qt.h", PASSWORD)
    response = save(admin, learner, cccd="099123456789")
    assert response.status_code == 400
    assert "mã tỉnh từ 001 đến 096" in response.get_data(as_text=True)
    response = save(admin, learner, card="12")
    assert response.status_code == 400
    assert "từ 6 đến 12 chữ số" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(PersonIdentifier)).all() == []


def test_an_identifier_belongs_to_one_person(site):
    app, learner, outsider = site
    assert save(signed_in_client(app, "qt.h", PASSWORD), learner,
                cccd="001234561234").status_code == 302
    response = save(signed_in_client(app, "qt.k", PASSWORD), outsider, cccd="001234561234")
    assert response.status_code == 409
    assert "đã thuộc về người khác" in response.get_data(as_text=True)


def test_admins_out_of_scope_and_other_roles_are_refused(site):
    app, learner, _outsider = site
    for username in ("qt.k", "ttct", "ban.ngoai"):
        client = signed_in_client(app, username, PASSWORD)
        assert client.get(f"/admin/people/{learner}/identifiers").status_code in (403, 404)
        assert client.post(f"/admin/people/{learner}/identifiers",
                           data={"citizen_id": "001234561234"}).status_code in (400, 403, 404)
    with app.app_context():
        assert db.session.scalars(select(PersonIdentifier)).all() == []


def test_shown_whole_to_admins_and_the_person_masked_to_others(site):
    app, learner, _outsider = site
    save(signed_in_client(app, "qt.h", PASSWORD), learner, card="12345678",
         cccd="001234561234")
    with app.test_request_context():
        person = find_user("hoc.vien")
        whole = {"12345678", "001234561234"}
        for viewer in ("hoc.vien", "qt.h"):
            assert {s.text for s in identifiers.shown_to(find_user(viewer), person)} == whole
        for viewer in ("ttct", "qt.k", "ban.ngoai"):
            shown = {s.text for s in identifiers.shown_to(find_user(viewer), person)}
            assert shown == {"••••5678", "••••••••1234"}
        assert {s.text for s in identifiers.shown_to(None, person)} == {"••••5678",
                                                                       "••••••••1234"}


def test_the_person_sees_their_own_identifiers_on_their_profile(site):
    app, learner, _outsider = site
    save(signed_in_client(app, "qt.h", PASSWORD), learner, cccd="001234561234")
    page = signed_in_client(app, "hoc.vien", PASSWORD).get(
        "/profile/", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert "Số căn cước công dân (CCCD)" in page and "001234561234" in page
    other = signed_in_client(app, "ban.ngoai", PASSWORD).get("/profile/").get_data(as_text=True)
    assert "001234561234" not in other and "1234561234" not in other


def test_the_identifiers_export_is_for_admins_and_their_units_only(site):
    app, learner, outsider = site
    save(signed_in_client(app, "qt.h", PASSWORD), learner, card="12345678", cccd="001234561234")
    save(signed_in_client(app, "qt.k", PASSWORD), outsider, cccd="002234561234")
    response = signed_in_client(app, "qt.h", PASSWORD).get("/admin/people/identifiers.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert "hoc.vien" in text and "001234561234" in text
    assert "ban.ngoai" not in text and "002234561234" not in text  # another district's
    for username in ("ttct", "hoc.vien"):  # a verifier, a learner: no identifiers at all
        refused = signed_in_client(app, username, PASSWORD).get("/admin/people/identifiers.csv")
        assert refused.status_code in (403, 404)
