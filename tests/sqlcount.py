"""Counts (and keeps) the SQL statements the app sends while the block runs."""
from sqlalchemy import event as sa_event

from alumni.extensions import db


class Statements:
    """`with Statements() as sent: …` then `sent.count` and `sent.sql`. The session's identity
    map is expired first, so each measurement starts the same (the tests share the session)."""

    def __enter__(self):
        self.sql: list[str] = []
        db.session.expire_all()
        sa_event.listen(db.engine, "before_cursor_execute", self._on_execute)
        return self

    def _on_execute(self, _conn, _cursor, statement, *_args):
        self.sql.append(statement)

    @property
    def count(self) -> int:
        return len(self.sql)

    def __exit__(self, *_exc):
        sa_event.remove(db.engine, "before_cursor_execute", self._on_execute)
