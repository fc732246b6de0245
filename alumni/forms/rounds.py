"""Update rounds: the organizer's form (the invitations' audience plus a message) and the page a
member reaches through their link (services/rounds.py validates every value)."""
from __future__ import annotations

from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from alumni.forms import FlaskForm
from alumni.forms.invitations import PICKER, AudienceForm
from alumni.i18n import _l
from alumni.models.members import CAREER_ROLE_LABELS, RETURN_PURPOSE_LABELS, VISIBILITY_LABELS


class RoundForm(AudienceForm):
    message = TextAreaField(_l("A few words of your own (optional)"),
                            description=_l("Put into every mail as you write it, in whichever language you write."))


class AnswerForm(FlaskForm):
    organisation = StringField(_l("Organisation where you work or study now"))
    institution_id = SelectField(_l("Institution (if listed)"), coerce=str, validate_choice=False, render_kw=PICKER)
    country = SelectField(_l("Country of this position"), validate_choice=False, render_kw=PICKER)
    role = SelectField(_l("Role"), validate_choice=False,
                       choices=[SelectChoice(k.value, label) for k, label in CAREER_ROLE_LABELS.items()])
    start_date = DateField(_l("In this position since (if it is new)"), validators=[Optional()])
    return_purpose = SelectField(_l("A return to Japan since your last answer: purpose"), validate_choice=False,
                                 choices=[SelectChoice("", "—")] + [SelectChoice(k.value, label)
                                                                    for k, label in RETURN_PURPOSE_LABELS.items()])
    return_start = DateField(_l("Arrival in Japan"), validators=[Optional()])
    return_end = DateField(_l("Departure (leave empty if still there)"), validators=[Optional()])
    preferred_language = SelectField(_l("Language for our mail"), validate_choice=False)
    visibility = SelectField(_l("Who can find you in the directory"), validate_choice=False,
                             choices=[SelectChoice(k.value, label) for k, label in VISIBILITY_LABELS.items()])
