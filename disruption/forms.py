"""Forms for the tactic catalogue, operations, targets, disruption actions and the tactics ruled out."""
import re

from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, FloatField, IntegerField, SelectField, SelectMultipleField,
                     StringField, SubmitField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from core.forms import choices
from core.models import ORGANISATION_KINDS, User
from core.permissions import STAFF
from disruption.models import ACTION_STATUSES, OPERATION_STATUSES, TARGET_KINDS, Tactic
from licensing.models import RECOMMENDATION_ACTIONS
from records.models import Person, Premises, Vehicle
from records.normalise import registration

CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class TacticForm(FlaskForm):
    code = StringField("Code", validators=[InputRequired(), Length(max=40)],
                       description="Lower case letters, digits and underscores, for example 'gang_injunction'. "
                                   "The API uses it.")
    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    legal_basis = TextAreaField("Legal basis", validators=[InputRequired(), Length(max=5000)])
    target_kinds = SelectMultipleField("Used against", choices=choices(TARGET_KINDS.items()),
                                       validators=[InputRequired()])
    applied_by = SelectMultipleField("Applied by", choices=choices(
        (kind, label) for kind, label in ORGANISATION_KINDS.items() if kind != "partner"),
        validators=[InputRequired()])
    max_duration_months = IntegerField("Lasts at most (months)", validators=[Optional(), NumberRange(1, 120)])
    max_duration_days = IntegerField("or at most (days)", validators=[Optional(), NumberRange(1, 3650)])
    min_duration_days = IntegerField("Lasts at least (days)", validators=[Optional(), NumberRange(1, 3650)])
    court_involved = BooleanField("A court is involved")
    submit = SubmitField("Save")

    def __init__(self, *args, tactic=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._tactic = tactic

    def validate_code(self, field):
        field.data = field.data.strip().lower()
        if not CODE.match(field.data):
            raise ValidationError("Use 2 to 40 lower case letters, digits and underscores, starting with a letter.")
        match = Tactic.get_or_none(Tactic.code == field.data)
        if match and match != self._tactic:
            raise ValidationError("Another tactic has this code.")

    def validate_max_duration_days(self, field):
        if field.data and self.max_duration_months.data:
            raise ValidationError("Give the limit in months or in days, not both.")


class OperationForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    objective = TextAreaField("Objective", validators=[InputRequired(), Length(max=5000)],
                              description="What the operation sets out to disrupt. Do not name or describe any child.")
    starts_on = DateField("Starts on", validators=[InputRequired()])
    ends_on = DateField("Ends on", validators=[Optional()])
    submit = SubmitField("Save operation")

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("The operation cannot end before it starts.")


class OperationStatusForm(FlaskForm):
    status = SelectField("Status", choices=choices((s, s.title()) for s in OPERATION_STATUSES))
    submit = SubmitField("Change status")


class TargetForm(FlaskForm):
    kind = SelectField("Kind", choices=choices(TARGET_KINDS.items()))
    record_id = IntegerField("Record number (person or premises)", validators=[Optional()],
                             description="From Records. For a vehicle, give its registration instead.")
    registration = StringField("Vehicle registration", validators=[Optional(), Length(max=12)])
    lat = FloatField("Latitude (a place)", validators=[Optional(), NumberRange(-90, 90)])
    lon = FloatField("Longitude (a place)", validators=[Optional(), NumberRange(-180, 180)])
    description = StringField("Description of the place", validators=[Optional(), Length(max=200)])
    submit = SubmitField("Add target")

    def record(self):
        """The person, premises or vehicle the form names, or None."""
        if self.kind.data == "vehicle":
            mark = registration(self.registration.data or "")
            return Vehicle.get_or_none(Vehicle.registration == mark) if mark else None
        model = {"person": Person, "premises": Premises}.get(self.kind.data)
        return model.get_or_none(model.id == self.record_id.data) if model and self.record_id.data else None

    def validate_record_id(self, field):
        if self.kind.data in ("person", "premises") and self.record() is None:
            raise ValidationError(f"No {self.kind.data} has this record number.")

    def validate_registration(self, field):
        if self.kind.data == "vehicle" and self.record() is None:
            raise ValidationError("No vehicle has this registration. Add it under Records first.")

    def validate_description(self, field):
        if self.kind.data == "place" and (self.lat.data is None or self.lon.data is None or not field.data):
            raise ValidationError("A place needs a latitude, a longitude and a description.")


def owner_choices():
    staff = User.search(active=True).where(User.role.in_(sorted(STAFF | {"manager"})))
    return choices([("", "Me"), *((u.id, f"{u.name} ({u.organisation.name})") for u in staff
                                  if u.roles & STAFF)])


class ActionForm(FlaskForm):
    tactic = SelectField("Tactic", coerce=int)
    owner = SelectField("Owner", coerce=lambda v: int(v) if v else None, validators=[Optional()])
    due_on = DateField("Due by", validators=[Optional()])
    starts_on = DateField("Takes effect on", validators=[Optional()],
                          description="For a notice or order: its expiry is checked against the tactic's limit.")
    expires_on = DateField("Expires on", validators=[Optional()],
                           description="Left empty, it is the latest the tactic allows.")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])
    licence = SelectField("Licence to review", coerce=lambda v: int(v) if v else None, validators=[Optional()],
                          description="Licence review or suspension request only.")
    recommendation_action = SelectField("Recommend", choices=choices(RECOMMENDATION_ACTIONS.items()),
                                        default="suspend")
    grounds = TextAreaField("Grounds for the licensing authority", validators=[Optional(), Length(max=10000)],
                            description="Licence review only. Do not name or describe any child.")
    submit = SubmitField("Plan action")

    def __init__(self, *args, target=None, licences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.tactic.choices = choices((t.id, t.name) for t in Tactic.for_kind(target.kind))
        self.owner.choices = owner_choices()
        self.licence.choices = choices([("", "—"), *((l.id, f"{l.number} ({l.kind_label}, {l.authority.name})")
                                                     for l in licences)])


class ActionStatusForm(FlaskForm):
    status = SelectField("New status", choices=choices(ACTION_STATUSES.items()))
    outcome = TextAreaField("Outcome or reason", validators=[Optional(), Length(max=10000)],
                            description="Required when completing (what happened) or abandoning (why).")
    submit = SubmitField("Change status")


class ActionDatesForm(FlaskForm):
    due_on = DateField("Due by", validators=[Optional()])
    starts_on = DateField("Takes effect on", validators=[Optional()])
    expires_on = DateField("Expires on", validators=[Optional()])
    submit = SubmitField("Save dates")


class RuleOutForm(FlaskForm):
    tactic = IntegerField(validators=[InputRequired()])
    reason = StringField("Why it was ruled out", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Rule out")
