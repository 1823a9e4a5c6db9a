"""Forms for signing in, passwords and administration."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from core.auth import MIN_PASSWORD_LENGTH, password_problem
from core.models import ORGANISATION_KINDS, ROLE_OF_KIND, ROLES, Organisation, User


def choices(pairs):
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class LoginForm(FlaskForm):
    email = StringField("Email", validators=[InputRequired(), Length(max=254)],
                        render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Password", validators=[InputRequired()], render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Log in")


class NewPasswordMixin:
    def validate_new_password(self, field):
        problem = password_problem(field.data)
        if problem:
            raise ValidationError(problem)


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField("Current password", validators=[InputRequired()],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(f"New password (at least {MIN_PASSWORD_LENGTH} characters)",
                                 validators=[InputRequired()])
    confirm = PasswordField("New password again",
                            validators=[InputRequired(), EqualTo("new_password", "The two passwords differ.")])
    submit = SubmitField("Change password")


class OrganisationForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=choices(ORGANISATION_KINDS.items()))
    active = BooleanField("Active", default=True)
    submit = SubmitField("Save")

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._organisation = organisation

    def validate_name(self, field):
        field.data = field.data.strip()
        match = Organisation.get_or_none(Organisation.name == field.data)
        if match and match != self._organisation:
            raise ValidationError("Another organisation already has this name.")


def organisation_choices():
    return choices((o.id, f"{o.name} ({o.kind_label})") for o in Organisation.search())


class UserForm(NewPasswordMixin, FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    email = StringField("Email", validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)])
    organisation = SelectField("Organisation", coerce=int)
    role = SelectField("Role", choices=choices(ROLES.items()))
    new_password = PasswordField(f"Password (at least {MIN_PASSWORD_LENGTH} characters)")
    submit = SubmitField("Save")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._user = user
        self.organisation.choices = organisation_choices()
        if user is not None:
            self.new_password.label.text = "New password (leave empty to keep the current one)"

    def validate_email(self, field):
        field.data = field.data.strip().lower()
        match = User.by_email(field.data)
        if match and match != self._user:
            raise ValidationError("Another account already uses this email.")

    def validate_new_password(self, field):
        if self._user is not None and not field.data:
            return  # editing: keep the password
        super().validate_new_password(field)

    def validate_role(self, field):
        organisation = Organisation.get_or_none(id=self.organisation.data)
        if organisation is None or field.data in ("manager", "admin"):
            return
        if ROLE_OF_KIND[organisation.kind] != field.data:
            raise ValidationError(
                f"A {organisation.kind_label.lower()} user has the role "
                f"'{ROLES[ROLE_OF_KIND[organisation.kind]]}', 'Manager' or 'Administrator'.")


class TokenForm(FlaskForm):
    user = SelectField("User", coerce=int)
    name = StringField("What it is for", validators=[InputRequired(), Length(max=100)],
                       description="For example: 'Police records system integration'.")
    submit = SubmitField("Issue token")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user.choices = choices((u.id, f"{u.name} <{u.email}>") for u in User.search(active=True))


class ConfirmForm(FlaskForm):
    """An empty form: a POST button with its CSRF token."""

    submit = SubmitField("Confirm")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = StringField("Action starts with", validators=[Optional(), Length(max=60)])
    # A text field, not a list of every user: the page must not grow with the number of accounts.
    user = StringField("User email", validators=[Optional(), Length(max=254)])
    organisation = SelectField("Organisation", coerce=lambda v: int(v) if v else None,
                               validators=[Optional()])
    record_type = StringField("Record type", validators=[Optional(), Length(max=40)])
    record_id = StringField("Record id", validators=[Optional(), Length(max=12)])
    since = DateField("From", validators=[Optional()])
    until = DateField("To (inclusive)", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation.choices = choices([("", "Any"), *((o.id, o.name) for o in Organisation.search())])

    def validate_record_id(self, field):
        if field.data and not field.data.isdigit():
            raise ValidationError("A record id is a whole number.")

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("'To' is before 'From'.")
