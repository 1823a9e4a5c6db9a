"""The tactic catalogue, operations, their targets, disruption actions and the tactics considered per target."""
from datetime import timedelta

from peewee import (JOIN, BooleanField, CharField, DateField, DateTimeField, DoubleField, ForeignKeyField,
                    IntegerField, TextField, fn)

from core.db import BaseModel
from core.models import ORGANISATION_KINDS, Organisation, User
from core.timeutil import add_months, utcnow  # noqa: F401 (add_months: demo and tests import it here)
from licensing.models import Decision, Licence, Recommendation, sees_concerns
from records.models import Person, Premises, Vehicle

TARGET_KINDS = {"person": "Person", "premises": "Premises", "vehicle": "Vehicle", "place": "Place on the map"}

OPERATION_STATUSES = ("planned", "active", "closed")
OPERATION_TRANSITIONS = {"planned": ("active", "closed"), "active": ("closed",), "closed": ("active",)}

ACTION_STATUSES = {"planned": "Planned", "in_progress": "In progress", "completed": "Completed",
                   "abandoned": "Abandoned"}
# The only ways an action's status may change; completed and abandoned are final.
ACTION_TRANSITIONS = {
    "planned": ("in_progress", "completed", "abandoned"),
    "in_progress": ("completed", "abandoned"),
    "completed": (),
    "abandoned": (),
}
OPEN_STATUSES = ("planned", "in_progress")

# The catalogue code whose actions become a licensing recommendation (SPEC §4.1).
LICENCE_REVIEW = "licence_review"


class Tactic(BaseModel):
    """A disruption tool in the catalogue, with its legal basis and limits (SPEC §3, §4.5)."""

    code = CharField(max_length=40, unique=True)
    name = CharField(max_length=200)
    legal_basis = TextField()
    target_kinds = CharField(max_length=60)  # comma-separated keys of TARGET_KINDS
    applied_by = CharField(max_length=60)  # comma-separated organisation kinds that may apply it
    # How long it may last once it takes effect: calendar months or days (None: no limit), and at least.
    max_duration_months = IntegerField(null=True)
    max_duration_days = IntegerField(null=True)
    min_duration_days = IntegerField(null=True)
    court_involved = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)

    @property
    def kinds(self):
        return [kind for kind in self.target_kinds.split(",") if kind]

    @property
    def appliers(self):
        return [kind for kind in self.applied_by.split(",") if kind]

    @property
    def kinds_label(self):
        return ", ".join(TARGET_KINDS.get(kind, kind).lower() for kind in self.kinds)

    @property
    def appliers_label(self):
        return ", ".join(ORGANISATION_KINDS.get(kind, kind) for kind in self.appliers)

    @property
    def has_limit(self):
        return self.max_duration_months is not None or self.max_duration_days is not None

    @property
    def duration_label(self):
        if self.max_duration_months:
            most = f"{self.max_duration_months} month{'s' if self.max_duration_months != 1 else ''}"
        elif self.max_duration_days:
            most = f"{self.max_duration_days} day{'s' if self.max_duration_days != 1 else ''}"
        elif self.min_duration_days:
            return f"at least {self.min_duration_days} days"
        else:
            return "no fixed limit"
        return f"at least {self.min_duration_days} day(s), at most {most}" if self.min_duration_days \
            else f"at most {most}"

    def latest_expiry(self, starts_on):
        if self.max_duration_months is not None:
            return add_months(starts_on, self.max_duration_months)
        if self.max_duration_days is not None:
            return starts_on + timedelta(days=self.max_duration_days)
        return None

    def in_use(self):
        """Whether an action used it or a target's checklist ruled it out: both histories need its meaning."""
        return (DisruptionAction.select().where(DisruptionAction.tactic == self).exists()
                or TacticRuledOut.select().where(TacticRuledOut.tactic == self).exists())

    @classmethod
    def for_kind(cls, kind):
        return [tactic for tactic in cls.select().order_by(cls.name) if kind in tactic.kinds]

    def __str__(self):
        return self.name


class Operation(BaseModel):
    """A named disruption operation led by one organisation, over a period."""

    name = CharField(max_length=200)
    objective = TextField()
    lead = ForeignKeyField(Organisation, backref="operations", on_delete="RESTRICT")
    starts_on = DateField()
    ends_on = DateField(null=True)
    status = CharField(max_length=12, default="planned", index=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)

    @property
    def allowed_statuses(self):
        return OPERATION_TRANSITIONS.get(self.status, ())

    @classmethod
    def visible_to(cls, user):
        """Police and specialists see every operation; a licensing authority those it leads or owns an action in."""
        query = cls.select()
        if user.roles & {"police", "specialist"}:
            return query
        if "licensing_officer" in user.roles:
            return query.where((cls.lead == user.organisation_id) | cls.id.in_(
                DisruptionAction.select(DisruptionAction.operation).where(
                    DisruptionAction.owner_organisation == user.organisation_id)))
        return query.where(False)

    def __str__(self):
        return self.name


class OperationTarget(BaseModel):
    """Who or what an operation works against: a person, premises, vehicle, or a place on the map."""

    operation = ForeignKeyField(Operation, backref="targets", on_delete="CASCADE")
    kind = CharField(max_length=10)
    person = ForeignKeyField(Person, null=True, backref="operation_targets", on_delete="RESTRICT")
    premises = ForeignKeyField(Premises, null=True, backref="operation_targets", on_delete="RESTRICT")
    vehicle = ForeignKeyField(Vehicle, null=True, backref="operation_targets", on_delete="RESTRICT")
    lat = DoubleField(null=True)
    lon = DoubleField(null=True)
    description = CharField(max_length=200, default="")
    added_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    added_at = DateTimeField(default=utcnow)

    @property
    def record(self):
        return {"person": self.person, "premises": self.premises, "vehicle": self.vehicle}.get(self.kind)

    @property
    def record_id(self):
        return {"person": self.person_id, "premises": self.premises_id, "vehicle": self.vehicle_id}.get(self.kind)

    @property
    def label(self):
        if self.kind == "place":
            return self.description or "A place on the map"
        if self.kind == "vehicle":
            vehicle = self.vehicle
            return f"{vehicle.registration}{' (' + vehicle.description + ')' if vehicle.description else ''}"
        return self.record.name

    @property
    def kind_label(self):
        return TARGET_KINDS.get(self.kind, self.kind)

    @property
    def location(self):
        """(lat, lon) where the target is on the map, or None."""
        if self.kind == "place":
            return (self.lat, self.lon)
        if self.kind == "premises" and self.premises.lat is not None and self.premises.lon is not None:
            return (self.premises.lat, self.premises.lon)
        return None

    def __str__(self):
        return self.label


class DisruptionAction(BaseModel):
    """One use of a tactic against a target, owned by someone, tracked to an outcome."""

    operation = ForeignKeyField(Operation, backref="actions", on_delete="CASCADE")
    target = ForeignKeyField(OperationTarget, backref="actions", on_delete="RESTRICT")
    tactic = ForeignKeyField(Tactic, backref="actions", on_delete="RESTRICT")
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
    owner_organisation = ForeignKeyField(Organisation, on_delete="RESTRICT")
    status = CharField(max_length=12, default="planned", index=True)
    due_on = DateField(null=True, index=True)
    starts_on = DateField(null=True)  # when a notice or order takes effect
    expires_on = DateField(null=True, index=True)
    notes = TextField(default="")
    outcome = TextField(null=True)
    completed_at = DateTimeField(null=True)
    recommendation = ForeignKeyField(Recommendation, null=True, on_delete="RESTRICT")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    # Follow-ups sent, each claimed once by setting its column (SPEC §4.2).
    due_reminded_at = DateTimeField(null=True)
    expiry_reminded_at = DateTimeField(null=True)
    overdue_sent_at = DateTimeField(null=True)

    @property
    def status_label(self):
        return ACTION_STATUSES.get(self.status, self.status)

    @property
    def allowed_statuses(self):
        return ACTION_TRANSITIONS.get(self.status, ())

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @classmethod
    def visible_to(cls, user):
        return cls.select().where(cls.operation.in_(Operation.visible_to(user).select(Operation.id)))

    @classmethod
    def on_record(cls, record_type, record_id):
        field = {"person": OperationTarget.person, "premises": OperationTarget.premises,
                 "vehicle": OperationTarget.vehicle}[record_type]
        return cls.select(cls, OperationTarget, Tactic, Operation).join(OperationTarget).switch(cls).join(Tactic) \
            .switch(cls).join(Operation).where(field == record_id)

    def __str__(self):
        return f"{self.tactic.name}: {self.target.label}"


class ActionEvent(BaseModel):
    """The history of an action: each status change with its note, who made it and when."""

    action = ForeignKeyField(DisruptionAction, backref="history", on_delete="CASCADE")
    from_status = CharField(max_length=12, null=True)
    to_status = CharField(max_length=12)
    note = TextField(default="")
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    at = DateTimeField(default=utcnow)


class TacticRuledOut(BaseModel):
    """A catalogue tactic considered for a target and ruled out, with the reason (L4)."""

    target = ForeignKeyField(OperationTarget, backref="ruled_out", on_delete="CASCADE")
    tactic = ForeignKeyField(Tactic, backref="ruled_out", on_delete="RESTRICT")
    reason = TextField()
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    decided_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("target", "tactic"), True),)


CONSIDERED_STATES = {"used": "Used", "ruled_out": "Ruled out", "not_considered": "Not considered"}


def tactics_considered(target):
    """Each catalogue tactic that applies to target's kind: (tactic, state, detail). An action that was not
    abandoned makes a tactic used; a recorded reason makes it ruled out; otherwise it was not considered."""
    used = {}
    for action in target.actions.where(DisruptionAction.status != "abandoned"):
        used.setdefault(action.tactic_id, action)
    ruled = {row.tactic_id: row for row in target.ruled_out}
    rows = []
    for tactic in Tactic.for_kind(target.kind):
        if tactic.id in used:
            rows.append((tactic, "used", used[tactic.id]))
        elif tactic.id in ruled:
            rows.append((tactic, "ruled_out", ruled[tactic.id]))
        else:
            rows.append((tactic, "not_considered", None))
    return rows


def action_counts(operations):
    """{operation id: {status: count}} of the operations' actions, in one grouped query."""
    counts = {operation.id: {} for operation in operations}
    for operation_id, status, count in (
            DisruptionAction.select(DisruptionAction.operation, DisruptionAction.status, fn.COUNT(DisruptionAction.id))
            .where(DisruptionAction.operation.in_(list(counts)))
            .group_by(DisruptionAction.operation, DisruptionAction.status).tuples()):
        counts[operation_id][status] = count
    return counts


def with_records(query):
    """query on OperationTarget, with its person, premises and vehicle loaded in the same select."""
    return (query.select_extend(Person, Premises, Vehicle).join_from(OperationTarget, Person, JOIN.LEFT_OUTER)
            .join_from(OperationTarget, Premises, JOIN.LEFT_OUTER).join_from(OperationTarget, Vehicle, JOIN.LEFT_OUTER))


def board_targets(operation):
    """The operation's targets with their records, each with .action_count, in one query."""
    count = (DisruptionAction.select(fn.COUNT(DisruptionAction.id))
             .where(DisruptionAction.target == OperationTarget.id))
    return list(with_records(OperationTarget.select(OperationTarget, count.alias("action_count")))
                .where(OperationTarget.operation == operation).order_by(OperationTarget.kind, OperationTarget.id))


def board_actions(operation):
    """The operation's actions with tactic, target and its record, owner, owner's organisation, and any licensing
    recommendation with its licence and decision, in one query."""
    actions = list(with_records(
        DisruptionAction.select(DisruptionAction, Tactic, OperationTarget, User, Organisation, Recommendation, Licence,
                                Decision)
        .join_from(DisruptionAction, Tactic).join_from(DisruptionAction, OperationTarget)
        .join_from(DisruptionAction, User, JOIN.LEFT_OUTER, on=DisruptionAction.owner)
        .join_from(DisruptionAction, Organisation, on=DisruptionAction.owner_organisation)
        .join_from(DisruptionAction, Recommendation, JOIN.LEFT_OUTER)
        .join_from(Recommendation, Licence, JOIN.LEFT_OUTER)
        .join_from(Recommendation, Decision, JOIN.LEFT_OUTER, on=(Decision.recommendation == Recommendation.id),
                   attr="joined_decision"))
        .where(DisruptionAction.operation == operation)
        .order_by(DisruptionAction.due_on.asc(nulls="LAST"), DisruptionAction.id))
    for action in actions:
        if action.recommendation_id:  # an undecided recommendation's outer join leaves no joined_decision
            action.recommendation.loaded_decision = getattr(action.recommendation, "joined_decision", None)
    return actions


def visible_review(action, user):
    """(recommendation, decision) behind a licence-review action, or None when there is none or user may not see the
    licence's concerns (another authority's licensing officers: licensing.models.sees_concerns)."""
    if not action.recommendation_id:
        return None
    recommendation = action.recommendation
    if not sees_concerns(user, recommendation.licence):
        return None
    if hasattr(recommendation, "loaded_decision"):  # board_actions loaded it
        return recommendation, recommendation.loaded_decision
    return recommendation, recommendation.decision
