"""Forms for events (organizers) and RSVP (members). They check shape only; the rules are in
alumni.services.events / registrations, whose errors are shown next to the field. Size limits
are the service's (services.events.MAX_LENGTH, MAX_CAPACITY)."""
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from alumni.forms import FlaskForm
from alumni.i18n import LANGUAGES, _l
from alumni.models.events import EVENT_KIND_LABELS
from alumni.services.events import MAX_CAPACITY, MAX_LENGTH, MAX_OFFER_HOURS

LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]

try:  # wtforms ≥ 3.3 deprecates (value, label) tuples in favour of SelectChoice
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older wtforms
    SelectChoice = None


def options(pairs) -> list:
    """Select choices from (value, label) pairs, in the form the installed wtforms wants."""
    return [SelectChoice(value, label) if SelectChoice else (value, label) for value, label in pairs]



class EventForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=options((k.value, label) for k, label in EVENT_KIND_LABELS.items()))
    chapter = SelectField(_l("Chapter"), choices=[])
    language = SelectField(_l("Language of title and description"), choices=options((t, t) for t in LANGUAGES))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_LENGTH["title"])])
    description = TextAreaField(_l("Description"), validators=[Length(max=MAX_LENGTH["description"])])
    starts_at = DateTimeLocalField(_l("Starts (local time)"), format=LOCAL, validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Ends (local time)"), format=LOCAL, validators=[Optional()])
    all_day = BooleanField(_l("All-day event (whole days)"))
    # Checked here and by the service; no HTML `required`: a required select may not open on an
    # option inside an optgroup (the zones are grouped by country), and the zone always has a value.
    timezone = SelectField(_l("Time zone"), choices=[], validate_choice=False, validators=[DataRequired()],
                           render_kw={"data-picker": "", "required": False, "aria-required": "true"},
                           description=_l("Type a city or a country; the event's times are in this zone."))
    venue = StringField(_l("Venue"), validators=[Length(max=MAX_LENGTH["venue"])])
    country = SelectField(_l("Country of the venue"), choices=[], validate_choice=False,
                          render_kw={"data-picker": ""})
    online_url = URLField(_l("Online link"), validators=[Optional(), Length(max=MAX_LENGTH["online_url"])])
    capacity = IntegerField(_l("Capacity"), validators=[Optional(), NumberRange(min=0, max=MAX_CAPACITY)],
                            description=_l("Leave empty for unlimited"))
    side_quotas = StringField(_l("Seats per side (forums)"), validators=[Length(max=MAX_LENGTH["side_quotas"])],
                              description=_l("e.g. IN=40, JP=40 — leave empty when there are no sides"))
    offer_hours = IntegerField(_l("Waitlist offers: hours to take a freed seat"),
                               validators=[Optional(), NumberRange(min=1, max=MAX_OFFER_HOURS)],
                               description=_l("Leave empty to give a freed seat to the next person on the waitlist at once. "
                                              "With a number, the seat is offered to them by mail and passes on if they do "
                                              "not take it within that many hours."))
    registration_deadline = DateTimeLocalField(_l("Registration deadline (local time)"), format=LOCAL,
                                               validators=[Optional()])
    answers_retention_days = IntegerField(
        _l("Keep answers to the registration questions for (days after the event)"), default=90,
        validators=[Optional(), NumberRange(min=0, max=3650)],
        description=_l("The answers are deleted automatically after this many days; 90 if left empty."))
    translation_language = SelectField(_l("Add or change a translation: language"),
                                       choices=options([("", "—")] + [(t, t) for t in LANGUAGES]))
    translation_title = StringField(_l("Translated title"), validators=[Length(max=MAX_LENGTH["title"])])
    translation_description = TextAreaField(_l("Translated description"), validators=[Length(max=MAX_LENGTH["description"])])
    submit = SubmitField(_l("Save"))


class RsvpForm(FlaskForm):
    institution_id = SelectField(_l("Institution you represent"), choices=[], validate_choice=False)
    side = SelectField(_l("Side"), choices=[], validate_choice=False)


class ActionForm(FlaskForm):
    """A bare form for POST buttons (CSRF token only)."""
