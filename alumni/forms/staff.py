"""Forms of the staff pages."""
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SubmitField

from alumni.forms import FlaskForm
from alumni.i18n import _l


class ImportForm(FlaskForm):
    # CSV text (decoded as UTF-8) or an .xlsx workbook (its first sheet, read by openpyxl in
    # read-only mode); the size is bounded by MAX_CONTENT_LENGTH (413 beyond it), which holds
    # the 43,000 members' file several times.
    file = FileField(_l("CSV (UTF-8) or Excel (.xlsx) file"), validators=[
        FileRequired(_l("Choose a CSV or .xlsx file.")),
        FileAllowed(["csv", "txt", "xlsx"],
                    _l("Choose a .csv file (CSV UTF-8) or an .xlsx workbook; other kinds of file are not read.")),
    ])
    dry_run = BooleanField(_l("Dry run: check and count, write nothing"))
    preview = SubmitField(_l("Preview the first rows"))
    submit = SubmitField(_l("Import"))
