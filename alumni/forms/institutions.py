"""Adding an institution that is missing from a picker (organizers and staff)."""
from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from alumni.forms import FlaskForm
from alumni.forms.events import options
from alumni.forms.names import add_name_fields
from alumni.i18n import LANGUAGES, _l
from alumni.models.institutions import INSTITUTION_KIND_LABELS


class InstitutionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)],
                       description=_l("As the institution writes it, in any script."))
    country = SelectField(_l("Country"), choices=[], validate_choice=False, render_kw={"data-picker": ""})
    kind = SelectField(_l("Kind"), choices=options((k.value, label) for k, label in INSTITUTION_KIND_LABELS.items()))
    language = SelectField(_l("Language of the name"), choices=options((t, t) for t in LANGUAGES), default="en")
    ror_id = StringField(_l("ROR id (optional)"), validators=[Length(max=100)],
                         description=_l("Its address in the Research Organization Registry, such as "
                                        "https://ror.org/057zh3y96. Members' ORCID imports are matched to it."))
    next = HiddenField()


add_name_fields(InstitutionForm, 300)


class ChapterNamesForm(FlaskForm):
    """A chapter's name in other languages (staff, the chapter's organizers)."""


add_name_fields(ChapterNamesForm, 200)
