"""Forms of the staff pages."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SubmitField

from alumni.i18n import _l


class ImportForm(FlaskForm):
    # Only CSV text is read (decoded as UTF-8, parsed as CSV); the size is bounded by
    # MAX_CONTENT_LENGTH (413 beyond it), which holds the 43,000 members' file several times.
    file = FileField(_l("CSV file (UTF-8)"), validators=[
        FileRequired(_l("Choose a CSV file.")),
        FileAllowed(["csv", "txt"], _l("Choose a .csv file (CSV UTF-8); other kinds of file are not read.")),
    ])
    dry_run = BooleanField(_l("Dry run: check and count, write nothing"))
    submit = SubmitField(_l("Import"))
