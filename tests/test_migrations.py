"""The migrations build exactly the models: no pending autogenerate diff, and they go down and up."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from alumni.extensions import db


def pending_diff():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrations_match_the_models():
    assert pending_diff() == []


def test_migrations_go_down_and_up_again():
    downgrade(revision="base")
    upgrade()
    assert pending_diff() == []
    from alumni.models import Programme

    assert db.session.query(Programme).count() == 8
