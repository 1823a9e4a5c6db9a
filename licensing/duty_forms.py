"""Forms for the statutory duties: concerns and decisions, register entries and searches, information
received, DBS status checks and driver self-reports."""
import re

from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, DateTimeLocalField, SelectField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from core.forms import choices
from core.models import Organisation
from licensing import duties
from licensing.duty_models import (CONCERN_DECISIONS, REGISTER_DECISIONS, REGISTER_GROUNDS, SEARCH_PURPOSES,
                                   SEARCH_RESULTS, SELF_REPORT_EVENTS)

NO_CHILD = "Do not name or describe any child; use a children's services case reference if you must refer to one."
# National Insurance number: two letters, six digits, a letter A-D (HMRC's format, spaces removed).
NI_NUMBER = re.compile(r"^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")
# A GB driving licence number is 16 characters; a Northern Ireland one is 8 digits.
DRIVING_LICENCE = re.compile(r"^([A-Z9]{5}\d{6}[A-Z9]{2}\d[A-Z]{2}|\d{8})$")


def not_in_future(form, field):
    if field.data and field.data > duties.today():
        raise ValidationError("This date cannot be in the future.")


def licensing_authorities(exclude):
    return choices((o.id, o.name) for o in Organisation.search(kind="licensing").where(
        Organisation.active & (Organisation.id != exclude)))


class ConcernForm(FlaskForm):
    receiving_authority = SelectField("Authority that licenses the driver", coerce=int,
                                      validators=[InputRequired()])
    driver_name = StringField("Driver's name", validators=[InputRequired(), Length(max=200)])
    driver_licence_number = StringField(
        "Their licence number", validators=[Optional(), Length(max=40)],
        description="The number that authority gave. If the licence is on this system it is linked.")
    became_aware_on = DateField("Date we became aware", validators=[InputRequired(), not_in_future],
                                description="The information must be sent within 10 working days of this date.")
    information = TextAreaField("Information to send", validators=[InputRequired(), Length(max=20000)],
                                description=NO_CHILD)
    send_now = BooleanField("Send it to that authority now", default=True)
    submit = SubmitField("Record the concern")

    def __init__(self, *args, authority_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.receiving_authority.choices = licensing_authorities(authority_id)


class ConcernDecisionForm(FlaskForm):
    decision = SelectField("Decision", choices=choices(CONCERN_DECISIONS.items()))
    reasons = TextAreaField("Reasons", validators=[InputRequired(), Length(max=10000)], description=NO_CHILD)
    submit = SubmitField("Record the decision and tell the sharing authority")


class RegisterEntryForm(FlaskForm):
    grounds = SelectField("The decision rests on", choices=choices([("", "Not yet recorded"),
                                                                     *REGISTER_GROUNDS.items()]))
    told_on = DateField("Date the person was told of the decision", validators=[Optional(), not_in_future],
                        description="The entry is due 5 working days after this date.")
    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    date_of_birth = DateField("Date of birth", validators=[Optional(), not_in_future])
    address = TextAreaField("Address", validators=[Optional(), Length(max=1000)])
    ni_number = StringField("National Insurance number", validators=[Optional(), Length(max=20)])
    driving_licence_number = StringField("Driving licence number", validators=[Optional(), Length(max=30)])
    decision = SelectField("Decision", choices=choices(REGISTER_DECISIONS.items()))
    decision_on = DateField("Date of decision", validators=[InputRequired(), not_in_future])
    effective_on = DateField("Date effective", validators=[Optional()])
    contact = TextAreaField("Authority contact for enquiries", validators=[Optional(), Length(max=1000)],
                            description="A team mailbox or telephone number, not a person's own details.")
    submit = SubmitField("Save the entry")

    def validate_ni_number(self, field):
        field.data = re.sub(r"\s", "", field.data or "").upper()
        if field.data and not NI_NUMBER.match(field.data):
            raise ValidationError("A National Insurance number is two letters, six digits and A, B, C or D, "
                                  "for example QQ123456C.")

    def validate_driving_licence_number(self, field):
        field.data = re.sub(r"\s", "", field.data or "").upper()
        if field.data and not DRIVING_LICENCE.match(field.data):
            raise ValidationError("A driving licence number is 16 characters (Great Britain) or 8 digits "
                                  "(Northern Ireland).")

    def validate_effective_on(self, field):
        if field.data and self.decision_on.data and field.data < self.decision_on.data:
            raise ValidationError("A decision cannot take effect before it is made.")

    def validate_told_on(self, field):
        if field.data and self.decision_on.data and field.data < self.decision_on.data:
            raise ValidationError("The person is told of a decision after it is made.")

    def fields(self):
        """The entry's fields as the workflow takes them."""
        names = ("grounds", "told_on", "name", "date_of_birth", "address", "ni_number", "driving_licence_number",
                 "decision", "decision_on", "effective_on", "contact")
        values = {name: getattr(self, name).data for name in names}
        values["grounds"] = values["grounds"] or None
        for name in ("name", "address", "contact"):
            values[name] = (values[name] or "").strip()
        return values


class RegisterSubmitForm(FlaskForm):
    submitted_on = DateField("Submitted to the register on", validators=[InputRequired(), not_in_future])
    reference = StringField("Register reference", validators=[Optional(), Length(max=100)])
    submit = SubmitField("Record submission")


class SearchForm(FlaskForm):
    purpose = SelectField("Search made", choices=choices(SEARCH_PURPOSES.items()))
    searched_on = DateField("Date of the search", validators=[InputRequired(), not_in_future])
    result = SelectField("Result", choices=choices(SEARCH_RESULTS.items()))
    recording_authority = SelectField("Authority that recorded the match (on this system)",
                                      coerce=lambda v: int(v) if v else None, validators=[Optional()])
    recording_authority_name = StringField("or its name, if it is not on this system",
                                           validators=[Optional(), Length(max=200)])
    reference = StringField("Search reference", validators=[Optional(), Length(max=100)])
    submit = SubmitField("Record the search")

    def __init__(self, *args, authority_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.recording_authority.choices = choices([("", "Not on this system"),
                                                    *((c.value, c.label) for c in licensing_authorities(authority_id))])

    def validate_result(self, field):
        if field.data == "match" and not (self.recording_authority.data or
                                          (self.recording_authority_name.data or "").strip()):
            raise ValidationError("For a match, say which authority recorded the entry.")


class ReceivedInformationForm(FlaskForm):
    received_on = DateField("Date received", validators=[InputRequired(), not_in_future])
    content = TextAreaField("Information received", validators=[InputRequired(), Length(max=50000)],
                            description="Kept apart, read only by your licensing officers, and deleted once the "
                                        "application is decided. " + NO_CHILD)
    submit = SubmitField("Keep the information")


class DbsCheckForm(FlaskForm):
    checked_on = DateField("Date of the status check", validators=[InputRequired(), not_in_future])
    update_service = BooleanField("The driver is subscribed to the DBS Update Service")
    new_information = BooleanField("The status check shows new information")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Record the check")


class SelfReportForm(FlaskForm):
    event = SelectField("What the driver reported", choices=choices(SELF_REPORT_EVENTS.items()))
    summary = TextAreaField("What happened", validators=[InputRequired(), Length(max=10000)], description=NO_CHILD)
    event_at = DateTimeLocalField("When it happened (London time)", format="%Y-%m-%dT%H:%M",
                                  validators=[InputRequired()])
    reported_at = DateTimeLocalField("When the driver reported it (London time)", format="%Y-%m-%dT%H:%M",
                                     validators=[InputRequired()])
    raise_flag = BooleanField("Put it in the review queue (raise a flag)", default=True,
                              description="A report made more than 48 hours after the event is always flagged.")
    submit = SubmitField("Record the self-report")

    def validate_reported_at(self, field):
        if field.data and self.event_at.data and field.data < self.event_at.data:
            raise ValidationError("The report cannot come before the event.")
