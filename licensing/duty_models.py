"""Records of the statutory duties (SPEC §4.5): concerns shared with other authorities, national register
entries and searches, information requests and the information they bring back, and driver self-reports."""
from datetime import timedelta

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, TextField

from core.db import BaseModel
from core.models import Organisation, User
from core.timeutil import add_months, utcnow  # noqa: F401 (add_months: licensing.duties imports it here)
from licensing.models import Flag, Licence

CONCERN_DECISIONS = {
    "suspended": "Licence suspended",
    "revoked": "Licence revoked",
    "no_action": "Neither suspended nor revoked",
}
REGISTER_DECISIONS = {"refused": "Refusal", "suspended": "Suspension", "revoked": "Revocation"}
REGISTER_GROUNDS = {
    "safeguarding": "Safeguarding",
    "road_safety": "Road safety",
    "other": "Other grounds: no register entry is needed",
}
SEARCH_PURPOSES = {"grant": "Before grant", "renewal": "Before renewal"}
SEARCH_RESULTS = {"no_match": "No match", "match": "Match"}
SELF_REPORT_EVENTS = {"arrest": "Arrest", "charge": "Charge", "conviction": "Conviction"}
RETENTION_YEARS = 11


def add_years(day, years):
    """The same day years later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class DriverConcern(BaseModel):
    """2022 Act s5: information about a driver licensed by another authority, to be sent to that authority.

    The receiving authority records its decision (s6), which goes back to the sharing authority."""

    authority = ForeignKeyField(Organisation, backref="concerns_shared", on_delete="RESTRICT")
    receiving_authority = ForeignKeyField(Organisation, backref="concerns_received", on_delete="RESTRICT")
    licence = ForeignKeyField(Licence, null=True, backref="concerns", on_delete="SET NULL")
    driver_name = CharField(max_length=200)
    driver_licence_number = CharField(max_length=40, default="")
    became_aware_on = DateField()
    due_on = DateField(index=True)
    information = TextField()
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    sent_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    escalated_at = DateTimeField(null=True)
    decision = CharField(max_length=20, null=True)
    decision_reasons = TextField(null=True)
    decided_at = DateTimeField(null=True)
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    @property
    def decision_label(self):
        return CONCERN_DECISIONS.get(self.decision, self.decision)


class RegisterEntry(BaseModel):
    """2022 Act s2: an entry for the national register, prepared here with exactly the statutory fields.

    The register is operated nationally; this records what was prepared and when it was submitted."""

    licence = ForeignKeyField(Licence, backref="register_entries", on_delete="RESTRICT")
    authority = ForeignKeyField(Organisation, on_delete="RESTRICT")
    grounds = CharField(max_length=20, null=True)  # None until the officer says what the decision rests on
    # The statutory fields, nothing more.
    name = CharField(max_length=200)
    date_of_birth = DateField(null=True)
    address = TextField(default="")
    ni_number = CharField(max_length=9, default="")
    driving_licence_number = CharField(max_length=16, default="")
    decision = CharField(max_length=12)
    decision_on = DateField()
    effective_on = DateField(null=True)
    contact = TextField(default="")  # the authority's contact details for enquiries about the entry
    told_on = DateField(null=True)  # when the person was told of the decision: the clock starts here
    due_on = DateField(index=True)
    submitted_on = DateField(null=True)
    submission_reference = CharField(max_length=100, default="")
    submitted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    escalated_at = DateTimeField(null=True)

    STATUTORY_FIELDS = ("name", "date_of_birth", "address", "ni_number", "driving_licence_number", "decision",
                        "decision_on", "effective_on", "contact")

    @property
    def decision_label(self):
        return REGISTER_DECISIONS.get(self.decision, self.decision)

    @property
    def grounds_label(self):
        return REGISTER_GROUNDS.get(self.grounds, "Not yet recorded")

    @property
    def retain_until(self):
        return add_years(self.decision_on, RETENTION_YEARS)

    @property
    def needed(self):
        return self.grounds != "other"

    @property
    def missing(self):
        """The statutory fields still empty."""
        return [name for name in self.STATUTORY_FIELDS if not getattr(self, name)]

    @property
    def state(self):
        if self.submitted_on:
            return "submitted"
        return "not needed" if not self.needed else "to submit"


class RegisterSearch(BaseModel):
    """2022 Act s3: a search of the national register before a grant or renewal, and its result."""

    licence = ForeignKeyField(Licence, backref="register_searches", on_delete="RESTRICT")
    authority = ForeignKeyField(Organisation, on_delete="RESTRICT")
    purpose = CharField(max_length=10)
    searched_on = DateField()
    result = CharField(max_length=10)
    recording_authority = ForeignKeyField(Organisation, null=True, on_delete="RESTRICT")
    recording_authority_name = CharField(max_length=200, default="")  # when it is not on this system
    reference = CharField(max_length=100, default="")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    @property
    def recording_name(self):
        return self.recording_authority.name if self.recording_authority_id else self.recording_authority_name


class InformationRequest(BaseModel):
    """After a register match: a request to the recording authority for the information behind its entry."""

    search = ForeignKeyField(RegisterSearch, unique=True, backref="requests", on_delete="RESTRICT")
    licence = ForeignKeyField(Licence, backref="information_requests", on_delete="RESTRICT")
    authority = ForeignKeyField(Organisation, on_delete="RESTRICT")  # the requesting authority
    recording_authority = ForeignKeyField(Organisation, null=True, on_delete="RESTRICT")
    recording_authority_name = CharField(max_length=200, default="")
    requested_on = DateField()
    due_on = DateField(index=True)
    received_on = DateField(null=True)
    # Set when the application is decided: what was received is deleted then, and the clock stops.
    closed_at = DateTimeField(null=True)
    closed_reason = TextField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    escalated_at = DateTimeField(null=True)

    @property
    def recording_name(self):
        return self.recording_authority.name if self.recording_authority_id else self.recording_authority_name

    @property
    def state(self):
        if self.closed_at:
            return "closed"
        return "received" if self.received_on else "awaiting reply"


class ReceivedInformation(BaseModel):
    """What a recording authority sent back. Kept apart from every other record: only the requesting
    authority's licensing officers read it, each read is audited, and it is deleted once the
    application is decided."""

    request = ForeignKeyField(InformationRequest, backref="received", on_delete="CASCADE")
    authority = ForeignKeyField(Organisation, on_delete="RESTRICT")
    received_on = DateField()
    content = TextField()
    recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    recorded_at = DateTimeField(default=utcnow)


class SelfReport(BaseModel):
    """A driver's own report of an arrest, charge or conviction, due within 48 hours of it."""

    licence = ForeignKeyField(Licence, backref="self_reports", on_delete="RESTRICT")
    authority = ForeignKeyField(Organisation, on_delete="RESTRICT")
    event = CharField(max_length=12)
    summary = TextField()
    event_at = DateTimeField()
    reported_at = DateTimeField()
    late = BooleanField(index=True)
    flag = ForeignKeyField(Flag, null=True, on_delete="SET NULL")
    recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    recorded_at = DateTimeField(default=utcnow)

    @property
    def event_label(self):
        return SELF_REPORT_EVENTS.get(self.event, self.event)

    @property
    def due_at(self):
        return self.event_at + timedelta(hours=48)
