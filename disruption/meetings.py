"""Multi-agency meetings (SPEC §4.3, L7): who chaired, who attended, what was decided, and actions tracked to delivery.

Models and workflow together: each change happens in one transaction with its audit record and follow-ups.
Undelivered actions past their due date escalate once to the managers of the owner and the chair's organisation.
"""
from collections import Counter
from datetime import timedelta

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, TextField, fn

from core import audit
from core.db import BaseModel, db
from core.errors import WorkflowError
from core.models import Organisation, User
from core.timeutil import london_today, to_local, utcnow
from followups import escalate_once, periodic_check, send
from records.models import IntelligenceEntry, IntelligencePremises, Premises

# With no earlier meeting of the same chairing organisation, a pack covers this many days before the meeting.
DEFAULT_PACK_DAYS = 28
EDITOR_ROLES = frozenset({"police", "specialist", "licensing_officer"})


def today():
    """London's date today (tests replace this to stand on a given day)."""
    return london_today()


class Meeting(BaseModel):
    """A multi-agency meeting and its record: chair, minutes owner, minutes and decisions."""

    title = CharField(max_length=200)
    held_at = DateTimeField(index=True)  # UTC
    venue = CharField(max_length=200, default="")
    organisation = ForeignKeyField(Organisation, on_delete="RESTRICT")  # who recorded it
    chair_name = CharField(max_length=200)
    chair_organisation = ForeignKeyField(Organisation, on_delete="RESTRICT")
    chair_user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    minutes_owner_name = CharField(max_length=200, default="")
    minutes_owner_organisation = ForeignKeyField(Organisation, null=True, on_delete="RESTRICT")
    attendee_names = TextField(default="")  # the professionals present, as the minutes list them
    minutes = TextField(default="")
    decisions = TextField(default="")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    @property
    def organisation_ids(self):
        """Every organisation at the meeting: those attending, the chair's and the one that recorded it."""
        return ({a.organisation_id for a in self.attendance}
                | {self.chair_organisation_id, self.organisation_id})

    @classmethod
    def readable_by(cls, user):
        """The condition for meetings user's organisation attended, chaired or recorded: the only ones it may read."""
        attended = MeetingAttendance.select(MeetingAttendance.id).where(
            (MeetingAttendance.meeting == cls.id) & (MeetingAttendance.organisation == user.organisation_id))
        return ((cls.organisation == user.organisation_id) | (cls.chair_organisation == user.organisation_id)
                | fn.EXISTS(attended))

    def previous(self, user):
        """The latest earlier meeting chaired by the same organisation that user may read: the series this pack
        continues (a meeting user's organisation was not at is neither named nor used)."""
        return (Meeting.select().where((Meeting.chair_organisation == self.chair_organisation_id)
                                       & (Meeting.held_at < self.held_at) & (Meeting.id != self.id)
                                       & Meeting.readable_by(user))
                .order_by(Meeting.held_at.desc()).first())

    def __str__(self):
        return self.title


class MeetingAttendance(BaseModel):
    """An organisation that attended a meeting."""

    meeting = ForeignKeyField(Meeting, backref="attendance", on_delete="CASCADE")
    organisation = ForeignKeyField(Organisation, on_delete="RESTRICT")

    class Meta:
        indexes = ((("meeting", "organisation"), True),)


class MeetingAction(BaseModel):
    """An action agreed at a meeting: owner organisation (and person), due date, and whether it was delivered."""

    meeting = ForeignKeyField(Meeting, backref="actions", on_delete="CASCADE")
    description = TextField()
    owner_organisation = ForeignKeyField(Organisation, on_delete="RESTRICT")
    owner_user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    due_on = DateField(index=True)
    delivered_at = DateTimeField(null=True)
    delivered_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    delivery_note = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    escalated_at = DateTimeField(null=True)

    @property
    def delivered(self):
        return self.delivered_at is not None

    @property
    def overdue(self):
        return not self.delivered and self.due_on < today()

    @property
    def state(self):
        return "delivered" if self.delivered else ("overdue" if self.overdue else "open")

    @classmethod
    def open(cls):
        return cls.select().where(cls.delivered_at.is_null())

    @classmethod
    def with_meeting(cls):
        return (cls.select(cls, Meeting, Organisation).join(Meeting)
                .switch(cls).join(Organisation, on=(cls.owner_organisation == Organisation.id)))


# -- who may do what (the RULES table lets the roles in; these check the meeting itself) -------------------

def may_read(user, meeting):
    return user.organisation_id in meeting.organisation_ids


def may_edit(user, meeting):
    """Police, specialist and licensing staff of an organisation at the meeting keep its record."""
    return bool(user.roles & EDITOR_ROLES) and may_read(user, meeting)


def sees_minutes(user):
    """Partners see the decisions and their own actions, not the minutes, which may record what police and
    the specialist team shared about people (SPEC L9: partners see nothing identifying)."""
    return bool(user.roles & EDITOR_ROLES)


def actions_shown_to(user, meeting):
    query = MeetingAction.select(MeetingAction, Organisation).join(
        Organisation, on=(MeetingAction.owner_organisation == Organisation.id)).where(MeetingAction.meeting == meeting)
    if not sees_minutes(user):
        query = query.where(MeetingAction.owner_organisation == user.organisation_id)
    return query.order_by(MeetingAction.due_on, MeetingAction.id)


def may_record_delivery(user, action):
    """The owner organisation (partners too) records its own delivery; the meeting's editors may record it for them."""
    return user.organisation_id == action.owner_organisation_id or may_edit(user, action.meeting)


# -- workflow ------------------------------------------------------------------------------------------

def _set_attendance(meeting, attending):
    """Make the meeting's attending organisations exactly attending (ids) plus the chair's."""
    wanted = set(attending) | {meeting.chair_organisation_id}
    MeetingAttendance.delete().where((MeetingAttendance.meeting == meeting)
                                     & ~MeetingAttendance.organisation.in_(list(wanted))).execute()
    existing = {a.organisation_id for a in MeetingAttendance.select().where(MeetingAttendance.meeting == meeting)}
    for organisation_id in sorted(wanted - existing):
        MeetingAttendance.create(meeting=meeting, organisation=organisation_id)


def record_meeting(user, attending, **fields):
    """Record a meeting. attending holds the ids of the organisations there; the chair's always is."""
    if not fields.get("title", "").strip() or not fields.get("chair_name", "").strip():
        raise WorkflowError("Give the meeting a title and name its chair.")
    with db.atomic():
        meeting = Meeting.create(organisation=user.organisation, created_by=user, **fields)
        _set_attendance(meeting, attending)
        audit.record("meeting.create", meeting, user=user, reason=meeting.title)
    return meeting


def update_meeting(meeting, user, attending, **fields):
    with db.atomic():
        for name, value in fields.items():
            setattr(meeting, name, value)
        meeting.updated_at = utcnow()
        meeting.save()
        _set_attendance(meeting, attending)
        audit.record("meeting.update", meeting, user=user)
    return meeting


def add_action(meeting, user, description, owner_organisation, due_on, owner_user=None):
    """Record an action; its owner organisation is told in its inbox."""
    if not (description or "").strip():
        raise WorkflowError("Describe the action.")
    if owner_user is not None and owner_user.organisation_id != owner_organisation.id:
        raise WorkflowError(f"{owner_user.name} does not work for {owner_organisation.name}.")
    with db.atomic():
        action = MeetingAction.create(meeting=meeting, description=description.strip(),
                                      owner_organisation=owner_organisation, owner_user=owner_user, due_on=due_on)
        audit.record("meeting_action.create", action, user=user, recipients=[owner_organisation.id])
        send("meeting.action", action, to=[owner_organisation.id], sender=user.organisation,
             subject=f"Action from {meeting.title}, due {due_on:%d %b %Y}"[:200],
             body=f"An action was agreed for {owner_organisation.name} at {meeting.title} "
                  f"({to_local(meeting.held_at):%d %B %Y}):\n\n{action.description}\n\n"
                  f"Due by {due_on:%d %B %Y}. Record its delivery on the meeting's page.")
    return action


def record_delivery(action, user, note):
    """Mark an action delivered, with a note of what was done."""
    if action.delivered:
        raise WorkflowError("This action is already recorded as delivered.")
    if not (note or "").strip():
        raise WorkflowError("Say what was delivered.")
    with db.atomic():
        claimed = MeetingAction.update(delivered_at=utcnow(), delivered_by=user, delivery_note=note.strip()).where(
            (MeetingAction.id == action.id) & MeetingAction.delivered_at.is_null()).execute()
        if not claimed:
            raise WorkflowError("This action is already recorded as delivered.")
        audit.record("meeting_action.deliver", action, user=user)
    return MeetingAction.get_by_id(action.id)


@periodic_check
def escalate_undelivered_actions():
    """An action undelivered after its due date goes once to the managers of its owner and the chair's organisation."""
    def message(action):
        meeting = action.meeting
        return ([action.owner_organisation_id, meeting.chair_organisation_id],
                f"Overdue meeting action: {action.owner_organisation.name}, due {action.due_on:%d %b %Y}"[:200],
                f"An action agreed at {meeting.title} ({to_local(meeting.held_at):%d %B %Y}) for "
                f"{action.owner_organisation.name} was due by {action.due_on:%d %B %Y} and is not recorded "
                f"as delivered:\n\n{action.description}")

    return escalate_once(MeetingAction.with_meeting().where(
        MeetingAction.delivered_at.is_null() & (MeetingAction.due_on < today())), message)


# -- the meeting pack ------------------------------------------------------------------------------------

def pack_period(meeting, user):
    """(start, end, previous meeting or None): the pack covers what happened since the previous meeting user may
    read."""
    previous = meeting.previous(user)
    start = previous.held_at if previous else meeting.held_at - timedelta(days=DEFAULT_PACK_DAYS)
    return start, meeting.held_at, previous


def postcode_district(postcode):
    """The outward code of a normalised postcode ("EB1 4QT" -> "EB1"), or None."""
    return postcode.split()[0] if postcode and postcode.strip() else None


def open_actions_for_pack(meeting, user):
    """Undelivered actions of this meeting and of earlier meetings chaired by the same organisation, from the
    meetings user may read only: a meeting user's organisation was not at discloses none of its actions."""
    return (MeetingAction.with_meeting().where(
        MeetingAction.delivered_at.is_null() & (Meeting.chair_organisation == meeting.chair_organisation_id)
        & (Meeting.held_at <= meeting.held_at) & Meeting.readable_by(user))
        .order_by(MeetingAction.due_on, MeetingAction.id))


def intelligence_counts_by_area(user, start, end):
    """[(area, count)] of intelligence entries recorded in [start, end) that user may see, by postcode district.

    The area is the district of the entry's own place, else of its first linked premises with a postcode.
    Counts are all that leave this function, never any text of an entry; handling codes still apply, so a
    C-coded entry is counted only for a reader its conditions let see it.
    """
    counts = Counter()
    entries = IntelligenceEntry.visible_to(user).where(
        (IntelligenceEntry.created_at >= start) & (IntelligenceEntry.created_at < end))
    for postcode in entry_postcodes(entries):
        counts[postcode_district(postcode) or "No postcode"] += 1
    return sorted(counts.items(), key=lambda item: (item[0] == "No postcode", item[0]))


def entry_postcodes(entries):
    """The postcode each entry is placed at (None when it has none): its own, else its first linked premises'."""
    placed = list(entries.select(IntelligenceEntry.id, IntelligenceEntry.place_postcode).tuples())
    unplaced = [entry_id for entry_id, postcode in placed if not postcode]
    by_premises = {}
    if unplaced:
        for entry_id, postcode in (IntelligencePremises.select(IntelligencePremises.entry, Premises.postcode)
                                   .join(Premises).where(IntelligencePremises.entry.in_(unplaced)
                                                         & Premises.postcode.is_null(False))
                                   .order_by(IntelligencePremises.id).tuples()):
            by_premises.setdefault(entry_id, postcode)
    return [postcode or by_premises.get(entry_id) for entry_id, postcode in placed]


def meetings_for(user, q=None):
    """The meetings user may read, latest first, with the chair's organisation."""
    open_actions = MeetingAction.select(fn.COUNT(MeetingAction.id)).where(
        (MeetingAction.meeting == Meeting.id) & MeetingAction.delivered_at.is_null())
    query = (Meeting.select(Meeting, Organisation, open_actions.alias("open_actions"))
             .join(Organisation, on=(Meeting.chair_organisation == Organisation.id))
             .where(Meeting.readable_by(user)))
    if q:
        query = query.where(Meeting.title.contains(q.strip()))
    return query.order_by(Meeting.held_at.desc(), Meeting.id.desc())
