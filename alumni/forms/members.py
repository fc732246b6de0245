"""Forms for a member's own pages. Validation is the service layer's (the same as the API);
a ServiceError's field names which form field shows the message."""
from wtforms import BooleanField, DateField, IntegerField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import Optional

from alumni.forms import FlaskForm
from alumni.i18n import LANGUAGES, _l
from alumni.models.members import (
    CAREER_ROLE_LABELS,
    DIRECTION_LABELS,
    RETURN_PURPOSE_LABELS,
    VISIBILITY_LABELS,
)

VISIBILITY_HELP = _l("Hidden: nobody but you and the club's staff. Alumni only: logged-in alumni see "
                     "your name, country, programme, field and career. Public: anyone sees your name, "
                     "country and programme.")


class ProfileForm(FlaskForm):
    email = StringField(_l("Email"))
    native_name = StringField(_l("Name in your own script"))
    given_name = StringField(_l("Given name (Latin letters)"))
    family_name = StringField(_l("Family name (Latin letters)"))
    family_name_first = BooleanField(_l("Write my family name first (as in Japanese, Chinese, Hungarian)"))
    country = SelectField(_l("Country or region of origin"))
    preferred_language = SelectField(_l("Preferred language"), choices=[SelectChoice(t, t) for t in LANGUAGES])
    timezone = SelectField(_l("Time zone"), choices=[], validate_choice=False, render_kw={"data-picker": ""})
    field = StringField(_l("Field of research or study"))
    visibility = SelectField(_l("Who can find me in the directory"),
                             choices=[SelectChoice(k.value, label) for k, label in VISIBILITY_LABELS.items()])
    submit = SubmitField(_l("Save"))


class ParticipationForm(FlaskForm):
    programme = SelectField(_l("Programme"))
    direction = SelectField(_l("Direction"), choices=[SelectChoice(k.value, label) for k, label in DIRECTION_LABELS.items()])
    start_date = DateField(_l("First day"), validators=[Optional()])
    end_date = DateField(_l("Last day"), validators=[Optional()])
    fiscal_year = IntegerField(_l("Fiscal year (leave empty: from the first day)"), validators=[Optional()])
    host_institution_id = SelectField(_l("Host institution"), coerce=str, validate_choice=False)
    sending_institution_id = SelectField(_l("Sending institution"), coerce=str, validate_choice=False)
    submit = SubmitField(_l("Save"))


class CareerForm(FlaskForm):
    organisation = StringField(_l("Organisation"))
    institution_id = SelectField(_l("Institution (if listed)"), coerce=str, validate_choice=False)
    country = SelectField(_l("Country"))
    role = SelectField(_l("Role"), choices=[SelectChoice(k.value, label) for k, label in CAREER_ROLE_LABELS.items()])
    title = StringField(_l("Title"))
    start_date = DateField(_l("Start"), validators=[Optional()])
    end_date = DateField(_l("End (leave empty if current)"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class ReturnForm(FlaskForm):
    purpose = SelectField(_l("Purpose"), choices=[SelectChoice(k.value, label) for k, label in RETURN_PURPOSE_LABELS.items()])
    institution_id = SelectField(_l("Institution in Japan"), coerce=str, validate_choice=False)
    start_date = DateField(_l("Arrival"), validators=[Optional()])
    end_date = DateField(_l("Departure (leave empty if still there)"), validators=[Optional()])
    submit = SubmitField(_l("Save"))
