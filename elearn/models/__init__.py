"""Database models: people, organisations and learner state. Course content is not here."""
from .api_tokens import ApiToken
from .committees import CommitteeSeat, Position
from .counters import UnitCounter
from .course_packages import CoursePackage, CourseRegistryRevision, PackageStatus
from .evidence import AuditEntry, AuditHead, Completion, Revocation
from .jobs import Job, JobStatus
from .learning import Accommodation, AttemptState, LessonView, QuizAnswer, QuizAttempt
from .notifications import Notification, NotificationPreference
from .identifiers import PersonIdentifier
from .org import Unit
from .outbox import OutboxEntry
from .plugin_failures import PluginFailureEntry
from .revisions import CacheRevision
from .people import (
    Invitation, PersonAudience, Role, RoleGrant, ThrottleCounter, ThrottleEvent, UnitMembership,
    User, UserSession,
)
from .pledge_review import (
    Breakthrough, CellMeeting, Exemplar, ExemplarStatus, PledgeCheckin, PledgeVolume,
)
from .submissions import FormSubmission
from .pledges import (
    DeadlineExtension, Inspection, Pledge, PledgeStatus, PledgeVersion, StudyPlan,
)

__all__ = [
    "ApiToken",
    "Breakthrough", "CellMeeting", "CommitteeSeat", "Exemplar", "ExemplarStatus",
    "PledgeCheckin", "PledgeVolume", "Position", "Job", "JobStatus",
    "Accommodation", "AttemptState", "LessonView", "QuizAnswer", "QuizAttempt",
    "AuditEntry", "AuditHead", "Completion", "Revocation",
    "DeadlineExtension", "Inspection", "Pledge", "PledgeStatus", "PledgeVersion", "StudyPlan",
    "Invitation", "PersonAudience", "Role", "RoleGrant", "ThrottleCounter", "ThrottleEvent", "Unit",
    "UnitMembership",
    "User", "UserSession", "PluginFailureEntry", "FormSubmission", "PersonIdentifier",
    "Notification", "NotificationPreference", "OutboxEntry",
    "CoursePackage", "CourseRegistryRevision", "PackageStatus", "UnitCounter",
    "CacheRevision",
]
