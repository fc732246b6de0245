"""Extensions: created here, bound to the app in create_app()."""
from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from alumni.dbpool import Session as ReadsOnlySession

#: Constraint names are explicit so that SQLite and PostgreSQL migrations agree.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


#: The session class reads `reads_without_transaction` views on autocommit (alumni/dbpool.py).
db = SQLAlchemy(model_class=Base, session_options={"class_": ReadsOnlySession})

#: The models' base class, db.Model. mypy cannot use an attribute of an object as a base class
#: ("Name db.Model is not defined"), so models subclass this name; to the type checker it is what
#: db.Model is at run time: Base with Flask-SQLAlchemy's model mixin.
if TYPE_CHECKING:
    from typing import ClassVar

    from flask_sqlalchemy.model import Model as _FlaskSQLAlchemyModel
    from sqlalchemy import Table

    class Model(_FlaskSQLAlchemyModel, Base):
        __abstract__ = True
        __table__: ClassVar[Table]  # every model maps a table (not a join or a select)
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
mail = Mail()
babel = Babel()
csrf = CSRFProtect()


def client_address() -> str:
    """The client's address: the peer's, or behind PROXY_HOPS trusted proxies the one they
    forwarded (ProxyFix, installed by create_app, rewrites remote_addr)."""
    return get_remote_address()


#: Rate limits (login, reset); storage from RATELIMIT_STORAGE_URI so workers share counts.
limiter = Limiter(key_func=client_address, strategy="moving-window")
