"""Session login plumbing (the pages for sign-up and login come with the membership work)."""
from __future__ import annotations

from alumni.extensions import db, login_manager
from alumni.models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session carries "id:version"; a bumped session_version ends older sessions."""
    try:
        uid, version = (int(part) for part in user_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, uid)
    if user is None or user.session_version != version:
        return None
    return user
