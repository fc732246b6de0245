"""All models, imported so that Alembic and the app see every table."""
from alumni.models.accounts import ApiToken, Role, TokenState, User  # noqa: F401
from alumni.models.audit import AuditEntry  # noqa: F401
from alumni.models.chapters import Chapter, ChapterCountry  # noqa: F401
from alumni.models.documents import Document, DocumentKind  # noqa: F401
from alumni.models.duplicates import MemberEmail, MemberMerge  # noqa: F401
from alumni.models.events import (  # noqa: F401
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
    Response,
)
from alumni.models.imports import ImportJob, ImportStatus, ImportUpload  # noqa: F401
from alumni.models.institutions import Institution, InstitutionKind  # noqa: F401
from alumni.models.mail import MailAddressHold, MailPurpose, MailRequest, MailStatus, OutgoingMail  # noqa: F401
from alumni.models.members import (  # noqa: F401
    CareerEntry,
    CareerRole,
    Direction,
    Member,
    Participation,
    ReturnPurpose,
    ReturnVisit,
    Visibility,
)
from alumni.models.orcid import OrcidLink  # noqa: F401
from alumni.models.privacy import Consent, ConsentKind, StaffAccess  # noqa: F401
from alumni.models.programmes import Programme  # noqa: F401
from alumni.models.questions import Answer, Question, QuestionForm, QuestionKind  # noqa: F401
from alumni.models.rounds import RoundRecipient, UpdateRound  # noqa: F401
from alumni.models.workers import WorkerHeartbeat  # noqa: F401
