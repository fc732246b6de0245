"""Forms for joining and for the account: sign-up, reset, claim, password change, deletion.
Rules (password length, email syntax) live in the services; forms only carry the values."""
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from alumni.forms import FlaskForm
from alumni.i18n import _l


class SignupForm(FlaskForm):
    given_name = StringField(_l("Given name"), validators=[DataRequired(), Length(max=200)])
    family_name = StringField(_l("Family name"), validators=[Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    accept_privacy = BooleanField(_l("I have read the privacy notice and agree that the club keeps my record"))
    submit = SubmitField(_l("Join"))


class EmailForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField(_l("Save the password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField(_l("Change the password"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=1024)])
    confirm = BooleanField(_l("I understand that my record is removed for good"),
                           validators=[DataRequired()])
    submit = SubmitField(_l("Delete my account"))
