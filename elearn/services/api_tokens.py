"""API tokens: create, authenticate, note their use, revoke (model: `models/api_tokens.py`).

Auditing every use: the audit log is a hash chain with one head row, so an entry per API
request would serialise every request behind that row and bury the other entries. Instead a
token's first use in each clock hour is audited ("api_token.used", with the address and
endpoint), and `last_used_at` is kept to the minute. Creation and revocation are always
audited. Both writes are conditional UPDATEs, so concurrent requests audit an hour once.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from ..bearer import SCOPE_NAMES, TOKEN_PREFIX, digest, presented_secret
from ..clock import LOCAL_ZONE, utcnow
from ..extensions import db
from ..models import ApiToken, Role, Unit, User
from . import audit, submissions
from .accounts import create_user, grant_role
from .unit_of_work import until_it_stands

log = logging.getLogger(__name__)

# The closed set of scopes, with what each lets a token do (shown on the forms).
SCOPES: dict[str, str] = {
    "read:me": _l("Read my courses, completions and study plan"),
    "read:completions": _l("Read the completions of the units I verify"),
    "write:completions": _l("Record completions in the units I verify"),
    "read:people": _l("Read the people of the units I manage"),
    "write:people": _l("Change the people of the units I manage"),
    "read:reports": _l("Read the reports of the units I oversee"),
}
assert tuple(SCOPES) == SCOPE_NAMES
EXPIRY_CHOICES = (30, 90, 365)
MAX_LIFETIME = timedelta(days=366)  # "a year" from any day, leap years included
PREFIX_LENGTH = 12  # "elt_" and 8 characters of the secret: enough to tell tokens apart
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Roles a service token may carry. Admin only for a sync service (member-management software
# keeping people and units in step): its scopes then allow nothing but that, so a leaked token
# cannot run the site's pages or other API operations.
SERVICE_ROLES = tuple(Role)
SYNC_SCOPES = frozenset({"read:people", "write:people"})


class TokenError(ValueError):
    """A refused token request, with the translated reason."""


@dataclass(frozen=True)
class NewToken:
    """A token just made: the only moment its secret exists outside the caller's hands.
    `secret` is None when a duplicate submission got the first token back."""

    token: ApiToken
    secret: str | None


def check_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise TokenError(_("Choose at least one of the listed scopes."))
    return [scope for scope in SCOPES if scope in scopes]


def expiry_from(days: int | None, until: date | None, today: date) -> datetime:
    """The naive-UTC end of a token's life: after `days`, or at the end of the Vietnamese day
    `until`; never more than a year away."""
    if until is not None:
        end = datetime.combine(until + timedelta(days=1), time(), LOCAL_ZONE)
        expires = end.astimezone(timezone.utc).replace(tzinfo=None)
    elif days in EXPIRY_CHOICES:
        expires = utcnow() + timedelta(days=days)
    else:
        raise TokenError(_("Choose when the token expires."))
    if until is not None and until < today:
        raise TokenError(_("The expiry date must not be in the past."))
    if expires - utcnow() > MAX_LIFETIME:
        raise TokenError(_("A token may last at most one year."))
    return expires


def _new_secret() -> tuple[str, str]:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return secret, digest(secret)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise TokenError(_("Give the token a name of at most 100 characters."))
    return name


def create_personal(owner: User, *, name: str, scopes: list[str], expires_at: datetime,
                    key: str | None = None) -> NewToken:
    """A personal access token acting as `owner`; the form's one-time `key` makes a repeated
    submission return the token already made (without its secret: it was shown once)."""
    name, scopes = _clean_name(name), check_scopes(scopes)
    return _create("personal", owner, lambda: owner.id, name=name, scopes=scopes,
                   expires_at=expires_at, key=key, action="api_token.create:personal")


def create_service(admin: User, *, name: str, unit: Unit, roles: list[str],
                   scopes: list[str], expires_at: datetime, key: str | None = None) -> NewToken:
    """A service token: a service account in `unit` holding `roles` (each held by the admin
    on that unit; admin only with the sync scopes), and a token acting as it."""
    name, scopes = _clean_name(name), check_scopes(scopes)
    chosen = [role for role in SERVICE_ROLES if role.value in roles]
    if len(chosen) != len(set(roles)):
        raise TokenError(_("Choose roles from the list."))
    if Role.ADMIN in chosen and not set(scopes) <= SYNC_SCOPES:
        raise TokenError(_("A service token holds the admin role only to sync people and "
                           "units: its scopes can then be only read:people and write:people."))
    # The admin grants these roles as they could grant them to a person: only in a unit
    # they manage (the roles are then theirs to give there).
    if not any(grant.role == Role.ADMIN and unit.path.startswith(grant.unit.path)
               for grant in admin.grants):
        raise TokenError(_("Give the code of a unit that you manage."))
    unit_id, admin_id = unit.id, admin.id

    def make_account() -> int:
        # A random password nobody is told: the account signs in by its token only.
        account = create_user(f"api.{secrets.token_hex(5)}", f"{name} (API)",
                              secrets.token_urlsafe(32), db.session.get(Unit, unit_id),
                              is_party_member=False)
        for role in chosen:
            grant_role(account, role, account.unit, granted_by=db.session.get(User, admin_id))
        db.session.flush()
        return account.id

    return _create("service", admin, make_account, name=name, scopes=scopes,
                   expires_at=expires_at, key=key, action=f"api_token.create:service:{unit_id}",
                   roles=[role.value for role in chosen])


def _create(kind: str, by: User, acting_as, *, name: str, scopes: list[str],
            expires_at: datetime, key: str | None, action: str,
            roles: list[str] | None = None) -> NewToken:
    by_id = by.id
    made: dict[str, str] = {}

    def create() -> ApiToken:
        secret, hashed = _new_secret()
        token = ApiToken(kind=kind, user_id=acting_as(), created_by_id=by_id, name=name,
                         scopes=" ".join(scopes), prefix=secret[:PREFIX_LENGTH],
                         secret_hash=hashed, expires_at=expires_at)
        db.session.add(token)
        db.session.flush()
        audit.record("api_token.created", actor_id=by_id, subject=f"api_token:{token.id}",
                     data={"kind": kind, "user_id": token.user_id, "name": name,
                           "scopes": scopes, "roles": roles or [],
                           "expires_at": expires_at.isoformat(timespec="seconds")})
        made["secret"] = secret
        return token

    token = submissions.once(key, action, by, create, lambda id_: db.session.get(ApiToken, id_),
                             what="the API token")
    return NewToken(token, made.get("secret"))


class Refused(Exception):
    """A presented token that does not sign anyone in, with the translated reason."""


def authenticate(secret: str) -> ApiToken:
    """The live token for this secret, or Refused saying why (unknown, expired, revoked)."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.secret_hash == digest(secret)))
    if token is None or not secret.startswith(TOKEN_PREFIX):
        raise Refused(_("This API token is not valid."))
    if token.revoked_at is not None:
        raise Refused(_("This API token has been revoked."))
    if token.expires_at <= utcnow():
        raise Refused(_("This API token has expired."))
    if not token.user.active:
        raise Refused(_("The account of this API token is deactivated."))
    return token


def user_for_request() -> User | None:
    """Flask-Login's request loader: the person a Bearer token on an /api/ request acts as
    (its use noted), or None with the reason kept in `g.api_token_refusal`."""
    secret = presented_secret()
    if secret is None:
        return None
    try:
        token = authenticate(secret)
    except Refused as refusal:
        g.api_token_refusal = str(refusal)
        return None
    g.api_token = token
    user = token.user
    note_use(token.id, address=request.remote_addr or "", endpoint=request.endpoint or "")
    return user


def note_use(token_id: int, *, address: str, endpoint: str) -> None:
    """Keep `last_used_at` (to the minute) and audit the token's first use in each hour. A use
    that cannot be noted (a busy database) is logged, not refused."""
    def write() -> None:
        now = utcnow()
        hour = now.replace(minute=0, second=0, microsecond=0)
        changed = db.session.execute(
            update(ApiToken).where(ApiToken.id == token_id, or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at < now - LAST_USED_RESOLUTION))
            .values(last_used_at=now).execution_options(synchronize_session=False)).rowcount
        first_this_hour = db.session.execute(
            update(ApiToken).where(ApiToken.id == token_id, or_(
                ApiToken.use_audited_at.is_(None), ApiToken.use_audited_at < hour))
            .values(use_audited_at=hour).execution_options(synchronize_session=False)).rowcount
        if first_this_hour:
            audit.record("api_token.used", subject=f"api_token:{token_id}",
                         data={"address": address[:64], "endpoint": endpoint[:100],
                               "hour": hour.isoformat(timespec="minutes")})
        if changed or first_this_hour:
            db.session.commit()

    try:
        until_it_stands(write, what="the API token's use")
    except RuntimeError as error:
        db.session.rollback()
        log.warning("could not note the use of API token %s: %s", token_id, error)


def revoke(token: ApiToken, by: User) -> bool:
    """Revoke once: a second revocation (or eight at once) changes nothing and is not audited
    again. True when this call revoked it."""
    token_id, by_id = token.id, by.id
    def write() -> bool:
        moved = db.session.execute(
            update(ApiToken).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow(), revoked_by_id=by_id)
            .execution_options(synchronize_session=False)).rowcount
        if moved:
            audit.record("api_token.revoked", actor_id=by_id, subject=f"api_token:{token_id}")
        db.session.commit()
        return bool(moved)

    revoked = until_it_stands(write, what="the revocation")
    db.session.expire_all()
    return revoked


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.kind == "personal")
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def tokens_within(paths: list[str]) -> list[ApiToken]:
    """Every token (personal and service) acting as someone in the admin's subtrees."""
    if not paths:
        return []
    return list(db.session.scalars(
        select(ApiToken).join(User, ApiToken.user_id == User.id).join(Unit, User.unit_id == Unit.id)
        .where(or_(*[Unit.path.startswith(path) for path in paths]))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def find(token_id: int) -> ApiToken | None:
    return db.session.get(ApiToken, token_id)


def unit_of(token_id: int) -> Unit | None:
    """The unit a token belongs to, for the admin pages' scope check."""
    token = find(token_id)
    return token.user.unit if token is not None else None


def status_of(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= utcnow() else "active"

