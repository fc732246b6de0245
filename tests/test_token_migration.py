"""0010_token_expiry: tokens issued before it never expired; the upgrade gives them 90 days
from then, so integrations keep working until that date (and then stop, like every token)."""
from datetime import timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from alumni.extensions import db
from alumni.models import ApiToken
from alumni.models.types import utcnow
from alumni.services.tokens import token_hash, user_for_token


def test_tokens_from_before_the_migration_get_90_days():
    downgrade(revision="0009_worker_heartbeats")
    with db.engine.begin() as conn:
        user_id = conn.execute(sa.text(
            "INSERT INTO users (email, role, session_version, created_at)"
            " VALUES ('old@example.org', 'staff', 1, CURRENT_TIMESTAMP) RETURNING id")).scalar()
        conn.execute(sa.text("INSERT INTO api_tokens (user_id, token_hash, created_at)"
                             " VALUES (:u, :h, CURRENT_TIMESTAMP)"), {"u": user_id, "h": token_hash("old-token")})
    upgrade()
    db.session.remove()
    token = db.session.scalar(sa.select(ApiToken))
    assert token.revoked_at is None
    assert abs(token.expires_at - (utcnow() + timedelta(days=90))) < timedelta(minutes=5)
    assert user_for_token("old-token")[0].email == "old@example.org"
