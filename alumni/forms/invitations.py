"""The organizer's audience form."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional

from alumni.i18n import _l


class AudienceForm(FlaskForm):
    chapter = SelectField(_l("Chapter (its countries)"), choices=[], validate_choice=False)
    countries = StringField(_l("Countries"), description=_l("ISO codes, comma-separated: IN, LK"))
    programmes = StringField(_l("Programmes"), description=_l("Codes, comma-separated: SSP-A, SSP-B"))
    fiscal_years = StringField(_l("Cohort fiscal years"), description=_l("Comma-separated: 2018, 2019"))
    host_institution = IntegerField(_l("Japanese host institution (id)"),
                                    validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    returnees = BooleanField(_l("Only members who returned to Japan"))

    def audience_values(self) -> dict:
        return {"chapter": self.chapter.data or None, "countries": self.countries.data or "",
                "programmes": self.programmes.data or "", "fiscal_years": self.fiscal_years.data or "",
                "host_institution": self.host_institution.data, "returnees": bool(self.returnees.data)}
