"""Database models: people, organisations and learner state. Course content is not here."""
from .learning import AttemptState, LessonView, QuizAnswer, QuizAttempt  # noqa: F401 (issue 4)
from .evidence import AuditEntry, AuditHead, Completion, Revocation
from .org import Unit
from .pledges import (
    DeadlineExtension, Inspection, Pledge, PledgeStatus, PledgeVersion, StudyPlan,
)
from .people import (
    Audience, Invitation, Role, RoleGrant, ThrottleEvent, UnitMembership, User, UserSession,
)

__all__ = [
    "AuditEntry", "AuditHead", "Completion", "Revocation",
    "DeadlineExtension", "Inspection", "Pledge", "PledgeStatus", "PledgeVersion", "StudyPlan",
    "Audience", "Invitation", "Role", "RoleGrant", "ThrottleEvent", "Unit", "UnitMembership",
    "User", "UserSession",
]
