"""Accounts: creating people, hashing and checking passwords, granting roles."""
from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import Role, RoleGrant, Unit, User

PASSWORD_METHOD = "scrypt"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def create_user(username: str, full_name: str, password: str, unit: Unit, **profile) -> User:
    user = User(username=username.strip().lower(), full_name=full_name.strip(),
                password_hash=hash_password(password), unit=unit, **profile)
    db.session.add(user)
    db.session.flush()
    return user


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


def authenticate_local(username: str, password: str) -> User | None:
    user = find_user(username)
    if user is None:
        # Hash anyway so a missing account takes as long as a wrong password.
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def grant_role(user: User, role: Role, unit: Unit) -> RoleGrant:
    existing = db.session.scalar(select(RoleGrant).where(
        RoleGrant.user_id == user.id, RoleGrant.unit_id == unit.id, RoleGrant.role == role))
    if existing:
        return existing
    grant = RoleGrant(user=user, unit=unit, role=role)
    db.session.add(grant)
    return grant


def has_role(user: User, role: Role) -> bool:
    return any(grant.role == role for grant in user.grants)


_DUMMY_HASH = generate_password_hash("not-a-password", method=PASSWORD_METHOD)
