"""Forms for multi-agency meetings, their actions and the record of an action's delivery."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DateTimeLocalField, SelectField, SelectMultipleField, StringField, \
    SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from core.forms import choices
from core.models import Organisation, User

CHILD_WARNING = "Do not name or describe any child; use a children's services case reference if you must refer to one."


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


def organisation_choices():
    return choices((o.id, f"{o.name} ({o.kind_label})") for o in Organisation.search().where(Organisation.active))


class MeetingForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired(), Length(max=200)],
                        description="For example: 'Eastbrook multi-agency CSE operational group'.")
    held_at = DateTimeLocalField("Held on (date and time, London)", format="%Y-%m-%dT%H:%M",
                                 validators=[InputRequired()])
    venue = StringField("Venue", validators=[Optional(), Length(max=200)])
    chair_is_me = BooleanField("I chaired this meeting")
    chair_name = StringField("Chair", validators=[Length(max=200)])
    chair_organisation = SelectField("Chair's organisation", coerce=_optional_int)
    attending = SelectMultipleField("Organisations that attended", coerce=int,
                                    description="The chair's organisation is always counted as attending. "
                                                "Every organisation here can read the meeting's record.")
    attendee_names = TextAreaField("Who attended (names and roles)", validators=[Optional(), Length(max=5000)])
    minutes_owner_name = StringField("Minutes owner", validators=[Optional(), Length(max=200)])
    minutes_owner_organisation = SelectField("Minutes owner's organisation", coerce=_optional_int)
    minutes = TextAreaField("Minutes", validators=[Optional(), Length(max=50000)], description=CHILD_WARNING)
    decisions = TextAreaField("Decisions", validators=[Optional(), Length(max=20000)],
                              description="Partners at the meeting see the decisions; only police, specialist "
                                          "and licensing staff see the minutes. " + CHILD_WARNING)
    submit = SubmitField("Save meeting")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._user = user
        # Who chaired, as recorded: editing someone else's meeting keeps it unless the tick box changes.
        self._chair_user_id = getattr(kwargs.get("obj"), "chair_user_id", None)
        organisations = organisation_choices()
        self.attending.choices = organisations
        self.chair_organisation.choices = choices([("", "Choose…")]) + organisations
        self.minutes_owner_organisation.choices = choices([("", "None named")]) + organisations

    def validate_chair_name(self, field):
        field.data = (field.data or "").strip()
        if self.chair_is_me.data:
            field.data = self._user.name
            self.chair_organisation.data = self._user.organisation_id
        elif not field.data:
            raise ValidationError("Name the chair, or tick 'I chaired this meeting'.")

    def validate_chair_organisation(self, field):
        if self.chair_is_me.data:
            return
        if not field.data or Organisation.get_or_none(Organisation.id == field.data) is None:
            raise ValidationError("Choose the chair's organisation.")

    def _chair_user(self):
        if self.chair_is_me.data:
            return self._user.id
        return None if self._chair_user_id == self._user.id else self._chair_user_id

    def meeting_fields(self):
        """The Meeting columns this form sets."""
        return {"title": self.title.data.strip(), "held_at": self.held_at.data,
                "venue": (self.venue.data or "").strip(),
                "chair_name": self.chair_name.data, "chair_organisation": self.chair_organisation.data,
                "chair_user": self._chair_user(),
                "attendee_names": (self.attendee_names.data or "").strip(),
                "minutes_owner_name": (self.minutes_owner_name.data or "").strip(),
                "minutes_owner_organisation": self.minutes_owner_organisation.data,
                "minutes": (self.minutes.data or "").strip(), "decisions": (self.decisions.data or "").strip()}


class ActionForm(FlaskForm):
    description = TextAreaField("Action", validators=[InputRequired(), Length(max=5000)], description=CHILD_WARNING)
    owner_organisation = SelectField("Owner organisation", coerce=int,
                                     description="One of the organisations at the meeting. It is told in its "
                                                 "inbox, and its managers are told if the action is overdue.")
    owner_user = SelectField("Owner (optional)", coerce=_optional_int)
    due_on = DateField("Due by", validators=[InputRequired(message="Give the date it is due by.")])
    submit = SubmitField("Add action")

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        ids = sorted(meeting.organisation_ids)
        self.owner_organisation.choices = choices(
            (o.id, o.name) for o in Organisation.search().where(Organisation.id.in_(ids)))
        self.owner_user.choices = choices([("", "No one named")]) + choices(
            (u.id, f"{u.name} ({u.organisation.name})") for u in User.search(active=True).where(
                User.organisation.in_(ids) & (User.role != "admin")))

    def validate_owner_user(self, field):
        if field.data is None:
            return
        user = User.get_or_none(User.id == field.data)
        if user is None or user.organisation_id != self.owner_organisation.data:
            raise ValidationError("Choose someone from the owner organisation, or no one.")


class DeliveryForm(FlaskForm):
    note = TextAreaField("What was delivered", validators=[InputRequired(), Length(max=5000)],
                         description=CHILD_WARNING)
    submit = SubmitField("Record as delivered")
