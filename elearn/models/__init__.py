"""Database models: people, organisations and learner state. Course content is not here."""
from .org import Unit
from .people import Role, RoleGrant, User

__all__ = ["Role", "RoleGrant", "Unit", "User"]
