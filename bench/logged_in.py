"""A second floor, for the logged-in member's page: the real app (same configuration, hooks,
session cookie, Flask-Login and user statement) with one more route that only answers the
member's name. Whatever a logged-in request costs before a page does any work of its own, this
costs too; served by gunicorn exactly like the app. Never part of the deployed app (wsgi:app)."""
from flask_login import current_user, login_required

from alumni.dbpool import reads_without_transaction
from wsgi import app


@app.route("/bench/whoami")
@reads_without_transaction  # as the member's event page: on PostgreSQL no BEGIN/ROLLBACK round trips
@login_required
def whoami():
    return current_user.email
