"""User accounts (login) and API tokens."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alumni.extensions import Model
from alumni.i18n import _l
from alumni.models.chapters import Chapter
from alumni.models.members import Member
from alumni.models.types import UTCDateTime, str_enum, utcnow


class Role(enum.StrEnum):
    member = "member"
    organizer = "organizer"
    staff = "staff"


ROLE_LABELS = {Role.member: _l("Member"), Role.organizer: _l("Organizer"), Role.staff: _l("Staff")}


# Flask-Login ships no type information, so UserMixin is Any to mypy.
class User(UserMixin, Model):  # type: ignore[misc]
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role <> 'organizer' OR chapter_id IS NOT NULL", name="organizer_has_chapter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: argon2id hash; None until the account is claimed or a password is set.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), default=Role.member)
    chapter_id: Mapped[int | None] = mapped_column(ForeignKey("chapters.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), unique=True
    )
    #: Bumped on logout-everywhere and password change: older sessions stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    chapter: Mapped[Chapter | None] = relationship()
    member: Mapped[Member | None] = relationship()
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_staff(self) -> bool:
        return self.role == Role.staff

    @property
    def is_organizer(self) -> bool:
        return self.role == Role.organizer

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class TokenState(enum.StrEnum):
    active = "active"
    expired = "expired"
    revoked = "revoked"


TOKEN_STATE_LABELS = {TokenState.active: _l("Active"), TokenState.expired: _l("Expired"),
                      TokenState.revoked: _l("Revoked")}


class ApiToken(Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The token opens nothing from then on (services/tokens.py: 90 days after issue by default).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set when revoked (by its owner, staff, a password change, "log out everywhere").
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")

    @property
    def state(self) -> TokenState:
        if self.revoked_at is not None:
            return TokenState.revoked
        return TokenState.active if self.expires_at > utcnow() else TokenState.expired

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id} {self.state.value}>"
