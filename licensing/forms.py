"""Forms for licences, flags, recommendations, decisions and hearings."""
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DateTimeLocalField, IntegerField, SelectField,
                     SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from core.forms import choices
from core.models import Organisation
from licensing.models import (FLAG_CATEGORIES, LICENCE_ACTIONS, LICENCE_KINDS, LICENCE_STATUSES,
                              LIVE_STATUSES, OUTCOMES, PARTNER_KINDS, RECOMMENDATION_ACTIONS, Licence)
from records.models import Person, Vehicle
from records.normalise import registration


class LicenceForm(FlaskForm):
    kind = SelectField("Kind", choices=choices(LICENCE_KINDS.items()))
    number = StringField("Licence number", validators=[InputRequired(), Length(max=40)])
    holder_id = IntegerField("Holder (person id)", validators=[InputRequired()],
                             description="The holder's record number, from Records.")
    status = SelectField("Status", choices=choices((s, s.title()) for s in ("applied", "granted")))
    granted_on = DateField("Granted on", validators=[Optional()])
    expires_on = DateField("Expires on", validators=[Optional()])
    vehicle_registration = StringField("Vehicle registration", validators=[Optional(), Length(max=12)])
    conditions = TextAreaField("Conditions", validators=[Optional(), Length(max=5000)])
    dbs_checked_on = DateField("Last enhanced DBS check", validators=[Optional()])
    dbs_update_service = BooleanField("Subscribed to the DBS Update Service")
    submit = SubmitField("Add licence")

    def __init__(self, *args, authority=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._authority = authority

    def validate_number(self, field):
        field.data = field.data.strip().upper()
        if Licence.select().where((Licence.authority == self._authority) & (Licence.number == field.data)).exists():
            raise ValidationError("Your register already has a licence with this number.")

    def validate_holder_id(self, field):
        if Person.get_or_none(Person.id == field.data) is None:
            raise ValidationError("No person has this record number. Add the holder under Records first.")

    def validate_vehicle_registration(self, field):
        if field.data and Vehicle.get_or_none(Vehicle.registration == registration(field.data)) is None:
            raise ValidationError("No vehicle with this registration. Add it under Records first.")

    def validate_expires_on(self, field):
        if field.data and self.granted_on.data and field.data <= self.granted_on.data:
            raise ValidationError("A licence expires after it is granted.")


class StatusForm(FlaskForm):
    status = SelectField("New status")
    reason = TextAreaField("Reason", validators=[InputRequired(), Length(max=5000)])
    submit = SubmitField("Change status")

    def __init__(self, *args, licence=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Every status is offered so a refused step explains itself; the workflow decides.
        self.status.choices = choices((s, s.title()) for s in LICENCE_STATUSES if s != licence.status)


class FlagForm(FlaskForm):
    category = SelectField("Category", choices=choices(FLAG_CATEGORIES.items()))
    summary = TextAreaField("Graded summary of the evidence", validators=[InputRequired(), Length(max=5000)],
                            description="What is known and how reliable it is. Do not name or describe any child.")
    submit = SubmitField("Raise flag")


def partner_choices(exclude=()):
    return choices((o.id, f"{o.name} ({o.kind_label})") for o in Organisation.search().where(
        Organisation.active & Organisation.kind.in_(PARTNER_KINDS) & ~Organisation.id.in_(
            list(exclude) or [0])))


class RecommendationForm(FlaskForm):
    action = SelectField("Recommended action", choices=choices(RECOMMENDATION_ACTIONS.items()))
    grounds = TextAreaField("Grounds", validators=[InputRequired(), Length(max=10000)],
                            description="Do not name or describe any child; use a children's services case "
                                        "reference if you must refer to one.")
    partners = SelectMultipleField("Partners to be told the outcome", coerce=int,
                                   description="The licensing authority's decision is sent to each of these "
                                               "and to your organisation, and they are asked to acknowledge it.")
    due_in_working_days = IntegerField("Decision due in (working days)", validators=[
        InputRequired(), NumberRange(min=1, max=120, message="Between 1 and 120 working days.")])
    submit = SubmitField("Send recommendation")

    def __init__(self, *args, exclude=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.partners.choices = partner_choices(exclude)


class DecisionForm(FlaskForm):
    outcome = SelectField("Outcome", choices=choices(OUTCOMES.items()))
    licence_action = SelectField("Action on the licence", choices=choices(LICENCE_ACTIONS.items()))
    reasons = TextAreaField("Reasons", validators=[InputRequired(), Length(max=10000)])
    submit = SubmitField("Record decision and tell every partner")


class HearingForm(FlaskForm):
    starts_at = DateTimeLocalField("Date and time (London)", format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    venue = StringField("Venue", validators=[Optional(), Length(max=200)])
    # The list offers the licences asked for (?licence=ID) and the first 500 other live ones; any live
    # licence of the authority is accepted, however large the register.
    licences = SelectMultipleField("Licences to hear", coerce=int, validators=[InputRequired()],
                                   validate_choice=False)
    invite = SelectMultipleField("Also invite", coerce=int,
                                 description="If any licence is flagged, the police forces and specialist teams "
                                             "that have raised concerns with your authority are invited "
                                             "automatically.")
    submit = SubmitField("Schedule hearing")

    def __init__(self, *args, authority=None, licences=(), **kwargs):
        super().__init__(*args, licences=licences, **kwargs)
        live = (Licence.search(authority_id=authority.id).where(Licence.status.in_(LIVE_STATUSES))
                .order_by(Person.name, Licence.number))
        offered = list(live.where(Licence.id.in_(list(licences) or [0]))) + list(live.limit(500))
        labels = {licence.id: f"{licence.number} · {licence.holder.name} · {licence.status}" for licence in offered}
        self.licences.choices = choices(labels.items())
        self.invite.choices = partner_choices()
        self._authority = authority

    def validate_licences(self, field):
        live = Licence.select(Licence.id).where(Licence.id.in_(field.data or [0])
                                                & (Licence.authority == self._authority.id)
                                                & Licence.status.in_(LIVE_STATUSES))
        if len(live) != len(set(field.data)):
            raise ValidationError("Choose live licences (applied, granted or suspended) of your own register.")


class HearingRecordForm(FlaskForm):
    attended = SelectMultipleField("Organisations that attended", coerce=int)
    minutes = TextAreaField("Minutes", validators=[Optional(), Length(max=20000)])
    decisions = TextAreaField("Decisions taken", validators=[Optional(), Length(max=20000)])
    submit = SubmitField("Save the record of the hearing")

    def __init__(self, *args, hearing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.attended.choices = choices((i.organisation.id, i.organisation.name) for i in hearing.invitations)


class CloseFlagForm(FlaskForm):
    reason = TextAreaField("Why is this flag closed?", validators=[InputRequired(), Length(max=5000)])
    submit = SubmitField("Close flag")
