"""Accounts: creating people, passwords, sign-in with throttling, moves between units, roles."""
from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import Role, RoleGrant, Unit, UnitMembership, User
from ..clock import utcnow
from . import sessions, throttle

PASSWORD_METHOD = "scrypt"
MIN_PASSWORD_LENGTH = 8
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")
_DUMMY_HASH = generate_password_hash("not-a-password", method=PASSWORD_METHOD)


class AccountError(ValueError):
    """A rule was broken; `message` is translated text for the person."""


def hash_password(password: str) -> str:
    method = current_app.config["PASSWORD_HASH"] if has_app_context() else PASSWORD_METHOD
    return generate_password_hash(password, method=method)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def normalise_phone(phone: str | None) -> str | None:
    digits = re.sub(r"[^\d+]", "", phone or "")
    return digits or None


def normalise_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def create_user(username: str, full_name: str, password: str, unit: Unit, *,
                position: str = "", audience: str = "cadre", is_party_member: bool = True,
                email: str | None = None, phone: str | None = None,
                must_change_password: bool = False, locale: str | None = None) -> User:
    user = User(username=normalise_username(username), full_name=full_name.strip(),
                password_hash=hash_password(password), unit=unit, position=position.strip(),
                audience=audience, is_party_member=is_party_member,
                email=normalise_email(email), phone=normalise_phone(phone),
                must_change_password=must_change_password, locale=locale)
    db.session.add(user)
    db.session.flush()
    db.session.add(UnitMembership(user_id=user.id, unit=unit, position=user.position))
    return user


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


def authenticate_local(username: str, password: str) -> User | None:
    user = find_user(username)
    if user is None:
        # Hash anyway so a missing account takes as long as a wrong password.
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


@dataclass(frozen=True)
class SignInLimits:
    per_account: int
    per_address: int
    window: timedelta
    address_pace: timedelta

    @classmethod
    def from_config(cls) -> "SignInLimits":
        config = current_app.config
        return cls(config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
                   config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
                   timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"]),
                   timedelta(seconds=config["LOGIN_ADDRESS_SLOWDOWN_SECONDS"]))


@dataclass(frozen=True)
class SignInWait:
    """Why and for how long someone must wait before a password is checked."""

    seconds: int
    reason: str  # "account": this account's limit; "address": many failures from the network


class TooManyAttempts(AccountError):
    def __init__(self, message: str, seconds: int):
        super().__init__(message)
        self.seconds = seconds


def begin_sign_in(username: str, address: str) -> SignInWait | None:
    """Count this attempt before any password is checked; None means check it now.

    The account's limit is a hard one (counted atomically, so a concurrent burst gets no
    more tries than a sequential one); a successful sign-in resets it. An address with many
    failures is only slowed down (one attempt every few seconds), so one person guessing
    behind an office's shared address cannot lock out everyone else there.
    """
    limits = SignInLimits.from_config()
    if throttle.counted("login-address", address, limits.window) >= limits.per_address:
        wait = throttle.pace("login-address-pace", address, limits.address_pace)
        if wait:
            return SignInWait(wait, "address")
    wait = throttle.take("login-account", normalise_username(username), limits.per_account,
                         limits.window)
    return SignInWait(wait, "account") if wait else None


def record_sign_in(username: str, address: str, succeeded: bool) -> None:
    limits = SignInLimits.from_config()
    if succeeded:
        throttle.reset("login-account", normalise_username(username))
    else:
        throttle.add("login-address", address, limits.window)
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """Check the current password (throttled like a sign-in: a stolen session must not
    become a password oracle) and set the new one."""
    limits = SignInLimits.from_config()
    wait = throttle.take("password-check", str(user.id), limits.per_account, limits.window)
    if wait:
        raise TooManyAttempts(_("Too many wrong passwords. For your safety, try again in "
                                "%(minutes)d minute(s).", minutes=max(1, round(wait / 60))),
                              wait)
    if not check_password_hash(user.password_hash, current):
        raise AccountError(_("Your current password is not correct."))
    throttle.reset("password-check", str(user.id))
    set_password(user, new)


class ContactTaken(AccountError):
    """The e-mail or phone already belongs to another account."""


def update_profile(user: User, *, full_name: str, email: str | None, phone: str | None,
                   locale: str) -> None:
    """A person's own details, committed; ContactTaken (nothing saved) if the e-mail or phone
    is someone else's."""
    user.full_name = full_name.strip()
    user.email = normalise_email(email)
    user.phone = normalise_phone(phone)
    user.locale = locale
    user.request_locale = locale  # the confirmation is already in the new language
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ContactTaken(user.id) from None


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    user.request_locale = locale
    db.session.commit()


def change_own_password(user: User, current: str, new: str, keep_token: str | None) -> None:
    """change_password, then sign out every other session (anyone who knew the old
    password), and commit."""
    change_password(user, current, new)
    sessions.end_all_sessions(user, keep_token=keep_token)
    db.session.commit()


def set_password(user: User, new: str) -> None:
    user.password_hash = hash_password(new)
    user.must_change_password = False


def move_user(user: User, unit: Unit, position: str | None = None) -> None:
    """Move someone to another unit; the old membership is closed, not overwritten."""
    if position is not None:
        user.position = position.strip()
    if unit.id == user.unit_id:
        return
    now = utcnow()
    db.session.execute(update(UnitMembership).where(
        UnitMembership.user_id == user.id, UnitMembership.ended_at.is_(None)).values(ended_at=now))
    user.unit = unit
    db.session.add(UnitMembership(user_id=user.id, unit=unit, position=user.position,
                                  started_at=now))


def memberships(user: User) -> list[UnitMembership]:
    return list(db.session.scalars(select(UnitMembership).where(
        UnitMembership.user_id == user.id).order_by(UnitMembership.started_at.desc(),
                                                    UnitMembership.id.desc())))


def grant_role(user: User, role: Role, unit: Unit, granted_by: User | None = None) -> RoleGrant:
    existing = db.session.scalar(select(RoleGrant).where(
        RoleGrant.user_id == user.id, RoleGrant.unit_id == unit.id, RoleGrant.role == role))
    if existing:
        return existing
    grant = RoleGrant(user=user, unit=unit, role=role,
                      granted_by_id=granted_by.id if granted_by else None)
    db.session.add(grant)
    return grant


def username_base(full_name: str, email: str | None, phone: str | None) -> str:
    """A readable username stem: the e-mail's local part, else the name without accents."""
    if email:
        base = email.split("@")[0]
    else:
        ascii_name = unicodedata.normalize("NFD", full_name.replace("đ", "d").replace("Đ", "D"))
        ascii_name = "".join(c for c in ascii_name if not unicodedata.combining(c))
        words = re.findall(r"[a-z0-9]+", ascii_name.lower())
        base = ".".join(words[-1:] + ["".join(w[0] for w in words[:-1])]) if words else (
            phone or "user")
    base = re.sub(r"[^a-z0-9._-]", "", base.lower()).strip("._-")[:70] or "user"
    return base if len(base) >= 3 else f"{base}.user"


def suggest_username(full_name: str, email: str | None, phone: str | None,
                     taken: set[str]) -> str:
    """A readable, unused username: the e-mail's local part, else the name without accents."""
    base = username_base(full_name, email, phone)
    candidate, number = base, 1
    while candidate in taken or find_user(candidate) is not None:
        number += 1
        candidate = f"{base}{number}"
    return candidate


def temporary_password() -> str:
    return secrets.token_urlsafe(9)[:max(MIN_PASSWORD_LENGTH, 12)]


def hash_temporary_password(password: str) -> str:
    """Hash a generated temporary password with the (cheaper) TEMPORARY_PASSWORD_HASH.

    Why cheaper is safe: the scrypt work factor protects guessable human passwords. A
    temporary password is 72 random bits from `secrets`, so even a cheap scrypt leaves 2^72
    guesses, and it lives only until the first sign-in, which forces a change to a normal
    hash. At full cost a 50,000-person import would spend 1.7 hours hashing."""
    return generate_password_hash(password, method=current_app.config["TEMPORARY_PASSWORD_HASH"])
