"""The organizer's audience form: every criterion is picked by name (the code travels in the
value); alumni.services.invitations.clean_audience validates the codes."""
from __future__ import annotations

from wtforms import BooleanField, SelectField, SelectMultipleField

from alumni.forms import FlaskForm
from alumni.i18n import _l

PICKER = {"data-picker": ""}


class AudienceForm(FlaskForm):
    chapter = SelectField(_l("Chapter (its countries)"), choices=[], validate_choice=False, render_kw=PICKER)
    countries = SelectMultipleField(_l("Countries"), choices=[], validate_choice=False, render_kw=PICKER,
                                    description=_l("Members who live in any of these countries."))
    programmes = SelectMultipleField(_l("Programmes"), choices=[], validate_choice=False, render_kw=PICKER,
                                     description=_l("Members who took part in any of these programmes."))
    fiscal_years = SelectMultipleField(_l("Cohort fiscal years"), choices=[], validate_choice=False,
                                       render_kw=PICKER,
                                       description=_l("The fiscal year of the member's first programme in Japan."))
    host_institution = SelectField(_l("Japanese host institution"), choices=[], validate_choice=False,
                                   render_kw=PICKER)
    returnees = BooleanField(_l("Only members who returned to Japan"))
    #: Update rounds (the invitation page leaves it out): the choices are filled by the page.
    unconfirmed_months = SelectField(_l("Record not confirmed for"), choices=[], validate_choice=False)

    def audience_values(self) -> dict:
        return {"chapter": self.chapter.data or None, "countries": list(self.countries.data or []),
                "programmes": list(self.programmes.data or []), "fiscal_years": list(self.fiscal_years.data or []),
                "host_institution": self.host_institution.data or None, "returnees": bool(self.returnees.data),
                "unconfirmed_months": self.unconfirmed_months.data or None}
