"""Database models: people, organisations and learner state. Course content is not here."""
from .evidence import AuditEntry, AuditHead, Completion, Revocation
from .learning import AttemptState, LessonView, QuizAnswer, QuizAttempt
from .org import Unit
from .people import (
    Audience, Invitation, Role, RoleGrant, ThrottleCounter, ThrottleEvent, UnitMembership, User,
    UserSession,
)
from .pledges import (
    DeadlineExtension, Inspection, Pledge, PledgeStatus, PledgeVersion, StudyPlan,
)

__all__ = [
    "AttemptState", "LessonView", "QuizAnswer", "QuizAttempt",
    "AuditEntry", "AuditHead", "Completion", "Revocation",
    "DeadlineExtension", "Inspection", "Pledge", "PledgeStatus", "PledgeVersion", "StudyPlan",
    "Audience", "Invitation", "Role", "RoleGrant", "ThrottleCounter", "ThrottleEvent", "Unit",
    "UnitMembership",
    "User", "UserSession",
]
