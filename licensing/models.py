"""Licences and their history, flags, recommendations, decisions and panel hearings."""
from datetime import date, datetime

from peewee import JOIN, SQL, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, TextField, fn

from core.db import BaseModel
from core.models import Organisation, User
from core.timeutil import utcnow
from records.models import Person, Vehicle
from records.normalise import registration

LICENCE_KINDS = {
    "hackney_driver": "Hackney carriage driver",
    "phv_driver": "Private hire driver",
    "phv_operator": "Private hire operator",
    "hackney_vehicle": "Hackney carriage vehicle",
    "phv_vehicle": "Private hire vehicle",
    "premises": "Premises licence",
    "special_treatment": "Special treatment (tattoo, piercing)",
}
DRIVER_KINDS = ("hackney_driver", "phv_driver")

LICENCE_STATUSES = ("applied", "granted", "suspended", "revoked", "refused", "expired", "surrendered")
# Organisations a recommendation may name to be told of its outcome.
PARTNER_KINDS = ("police", "specialist", "partner")
# Licences a concern can still act on.
LIVE_STATUSES = ("applied", "granted", "suspended")

# The only ways a licence's status may change (SPEC §3). Everything else is refused.
TRANSITIONS = {
    "applied": ("granted", "refused", "surrendered"),
    "granted": ("suspended", "revoked", "expired", "surrendered"),
    "suspended": ("granted", "revoked", "expired", "surrendered"),
    "expired": ("applied",),  # a renewal application
    "revoked": (),
    "refused": (),
    "surrendered": (),
}

FLAG_CATEGORIES = {
    "cse_concern": "Child sexual exploitation concern",
    "arrest_charge": "Arrest, charge or conviction",
    "vehicle_sighting": "Vehicle seen at a location of concern",
    "conduct": "Conduct or complaint",
    "dbs": "DBS check overdue or Update Service lapsed",
    "other": "Other",
}

RECOMMENDATION_ACTIONS = {
    "suspend": "Suspend the licence",
    "revoke": "Revoke the licence",
    "refuse": "Refuse the application",
    "add_conditions": "Add conditions",
    "warn": "Give a written warning",
    "no_action": "No action",
}

OUTCOMES = {"endorsed": "Endorsed", "partly_endorsed": "Partly endorsed", "not_endorsed": "Not endorsed"}

# What a decision may do to the licence: a status it moves to, or a change that keeps the status.
LICENCE_ACTIONS = {
    "none": "No change to the licence",
    "suspended": "Suspend",
    "revoked": "Revoke",
    "refused": "Refuse the application",
    "add_conditions": "Add conditions",
    "warn": "Written warning",
}


class Licence(BaseModel):
    kind = CharField(max_length=20, index=True)
    number = CharField(max_length=40, index=True)  # stored upper case: forms, API and import upper-case it
    holder = ForeignKeyField(Person, backref="licences", on_delete="RESTRICT")
    authority = ForeignKeyField(Organisation, backref="licences", on_delete="RESTRICT")
    status = CharField(max_length=12, default="applied", index=True)
    granted_on = DateField(null=True)
    expires_on = DateField(null=True)
    vehicle = ForeignKeyField(Vehicle, null=True, backref="licences", on_delete="SET NULL")
    operator = ForeignKeyField("self", null=True, backref="drivers", on_delete="SET NULL")
    conditions = TextField(default="")
    dbs_checked_on = DateField(null=True)
    dbs_update_service = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("authority", "number"), True),)

    @property
    def kind_label(self):
        return LICENCE_KINDS.get(self.kind, self.kind)

    # review_queue() selects these aggregates into each row. SQLite hands them back as text and
    # PostgreSQL as dates; peewee sets them with setattr, so these setters give every caller one type.
    @property
    def next_due(self):
        return getattr(self, "_next_due", None)

    @next_due.setter
    def next_due(self, value):
        self._next_due = date.fromisoformat(value) if isinstance(value, str) else value

    @property
    def last_flagged(self):
        return getattr(self, "_last_flagged", None)

    @last_flagged.setter
    def last_flagged(self, value):
        self._last_flagged = datetime.fromisoformat(value) if isinstance(value, str) else value

    @property
    def allowed_statuses(self):
        return TRANSITIONS.get(self.status, ())

    @classmethod
    def search_for(cls, user, q=None, status=None, flagged=None):
        """search() as user may run it: whether a licence is flagged is a concern (see sees_concerns), so
        another authority's licensing officers can filter only their own register by it."""
        authority_id = user.organisation_id if flagged and not user.roles & {"police", "specialist"} else None
        return cls.search(q=q, status=status, flagged=flagged, authority_id=authority_id)

    @classmethod
    def search(cls, q=None, status=None, flagged=None, authority_id=None):
        """Search by holder name or alias, licence number or vehicle registration."""
        query = (cls.select(cls, Person, Organisation, Vehicle)
                 .join(Person, on=(cls.holder == Person.id))
                 .switch(cls).join(Organisation, on=(cls.authority == Organisation.id))
                 .switch(cls).join(Vehicle, JOIN.LEFT_OUTER, on=(cls.vehicle == Vehicle.id)))
        if q:
            query = query.where(cls.id.in_(cls.matching_ids(q)))
        if status:
            query = query.where(cls.status == status)
        if authority_id:
            query = query.where(cls.authority == authority_id)
        if flagged is True:
            query = query.where(fn.EXISTS(Flag.select(Flag.id).where((Flag.licence == cls.id)
                                                                     & Flag.closed_at.is_null())))
        return query.order_by(Person.name, cls.number)

    @classmethod
    def matching_ids(cls, q):
        """Ids of licences whose holder's name or alias matches q (as Person.matching_ids matches names), whose
        number is q (in any case) or whose vehicle's registration is q (in any spelling): a UNION, so each way of
        matching uses its own index rather than one OR across three joined tables."""
        term = q.strip()
        ids = (cls.select(cls.id).where(cls.holder.in_(Person.matching_ids(term)))
               | cls.select(cls.id).where(cls.number == term.upper()))
        mark = registration(term)
        if mark:
            ids |= cls.select(cls.id).join(Vehicle, on=(cls.vehicle == Vehicle.id)).where(Vehicle.registration == mark)
        return ids

    def __str__(self):
        return f"{self.kind_label} {self.number}"


class LicenceEvent(BaseModel):
    """The history of a licence: each status change, with its reason, who made it and when."""

    licence = ForeignKeyField(Licence, backref="history", on_delete="CASCADE")
    from_status = CharField(max_length=12, null=True)
    to_status = CharField(max_length=12)
    reason = TextField()
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("licence", "at"), False),)


class Flag(BaseModel):
    """A concern raised on a licence by police or the specialist team; it enters the authority's queue."""

    licence = ForeignKeyField(Licence, backref="flags", on_delete="CASCADE")
    # The licence's authority, copied so the review queue starts from the authority's open flags.
    authority = ForeignKeyField(Organisation, null=True, index=False, backref="+", on_delete="RESTRICT")
    source = ForeignKeyField(Organisation, on_delete="RESTRICT")
    raised_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    category = CharField(max_length=20)
    summary = TextField()
    raised_at = DateTimeField(default=utcnow, index=True)
    closed_at = DateTimeField(null=True)
    closed_reason = TextField(null=True)

    @property
    def category_label(self):
        return FLAG_CATEGORIES.get(self.category, self.category)

    @property
    def status(self):
        return "closed" if self.closed_at else "open"

    def save(self, *args, **kwargs):
        _copy_authority(self)
        return super().save(*args, **kwargs)


# Open flags only: the queue and the flagged filter ask about open flags, and most flags end up closed.
Flag.add_index(Flag.authority, Flag.licence, where=Flag.closed_at.is_null(), name="flag_open_authority")
Flag.add_index(Flag.licence, where=Flag.closed_at.is_null(), name="flag_open_licence")


def _copy_authority(row):
    """Give a new flag or recommendation its licence's authority, whoever creates it."""
    if row.authority_id is None and row.licence_id is not None:
        row.authority_id = row.licence.authority_id


class Recommendation(BaseModel):
    """From police or the specialist team to a licensing authority: what to do about a licence, and why."""

    licence = ForeignKeyField(Licence, backref="recommendations", on_delete="RESTRICT")
    organisation = ForeignKeyField(Organisation, on_delete="RESTRICT")  # who recommends
    # The licence's authority, copied so the review queue starts from the authority's recommendations.
    authority = ForeignKeyField(Organisation, null=True, backref="+", on_delete="RESTRICT")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    action = CharField(max_length=20)
    grounds = TextField()
    due_on = DateField(index=True)
    created_at = DateTimeField(default=utcnow)
    escalated_at = DateTimeField(null=True)

    @property
    def action_label(self):
        return RECOMMENDATION_ACTIONS.get(self.action, self.action)

    @property
    def decision(self):
        return self.decisions.first()

    @property
    def status(self):
        return "decided" if self.decision else "open"

    def save(self, *args, **kwargs):
        _copy_authority(self)
        return super().save(*args, **kwargs)

    @classmethod
    def undecided(cls):
        return cls.select().where(~fn.EXISTS(Decision.select(Decision.id).where(Decision.recommendation == cls.id)))


class RecommendationPartner(BaseModel):
    """A partner organisation to be told the outcome of a recommendation."""

    recommendation = ForeignKeyField(Recommendation, backref="partners", on_delete="CASCADE")
    organisation = ForeignKeyField(Organisation, on_delete="RESTRICT")

    class Meta:
        indexes = ((("recommendation", "organisation"), True),)


class Decision(BaseModel):
    """The licensing authority's decision on a recommendation. There is at most one."""

    recommendation = ForeignKeyField(Recommendation, backref="decisions", unique=True, on_delete="RESTRICT")
    outcome = CharField(max_length=20)
    licence_action = CharField(max_length=20)
    reasons = TextField()
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    decided_at = DateTimeField(default=utcnow)

    @property
    def outcome_label(self):
        return OUTCOMES.get(self.outcome, self.outcome)


class PanelHearing(BaseModel):
    """A licensing panel (sub-committee) hearing of one or more licences."""

    authority = ForeignKeyField(Organisation, on_delete="RESTRICT")
    starts_at = DateTimeField(index=True)
    venue = CharField(max_length=200, default="")
    minutes = TextField(default="")
    decisions = TextField(default="")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)


class HearingLicence(BaseModel):
    hearing = ForeignKeyField(PanelHearing, backref="licence_links", on_delete="CASCADE")
    licence = ForeignKeyField(Licence, backref="hearing_links", on_delete="RESTRICT")

    class Meta:
        indexes = ((("hearing", "licence"), True),)


class HearingInvitation(BaseModel):
    """An organisation invited to a hearing, and whether it attended (None until recorded)."""

    hearing = ForeignKeyField(PanelHearing, backref="invitations", on_delete="CASCADE")
    organisation = ForeignKeyField(Organisation, on_delete="RESTRICT")
    attended = BooleanField(null=True)

    class Meta:
        indexes = ((("hearing", "organisation"), True),)


def sees_concerns(user, licence):
    """Whether user may read the flags and recommendations on licence: the issuing authority, police and the
    specialist team. Another authority's licensing officers see the licence itself but not the concerns."""
    return user.organisation_id == licence.authority_id or bool(user.roles & {"police", "specialist"})


QUEUE_SORTS = {
    "due": "Decision due",
    "flags": "Most open flags",
    "flagged": "Most recently flagged",
    "holder": "Holder",
}


def review_queue(authority_id, sort="due", status=None, category=None, q=None):
    """The licensing authority's review queue: one row per licence with an open flag or an undecided
    recommendation, carrying open_flags, last_flagged and next_due (the earliest undecided due date)."""
    flag = Flag.alias("open_flag")
    recommendation = Recommendation.alias("open_recommendation")
    decision = Decision.alias("its_decision")
    open_flags = flag.select(fn.COUNT(flag.id)).where((flag.licence == Licence.id) & flag.closed_at.is_null())
    last_flagged = flag.select(fn.MAX(flag.raised_at)).where((flag.licence == Licence.id) & flag.closed_at.is_null())
    undecided = ((recommendation.licence == Licence.id)
                 & ~fn.EXISTS(decision.select(decision.id).where(decision.recommendation == recommendation.id)))
    next_due = recommendation.select(fn.MIN(recommendation.due_on)).where(undecided)
    query = (Licence.select(Licence, Person, open_flags.alias("open_flags"), last_flagged.alias("last_flagged"),
                            next_due.alias("next_due"))
             .join(Person, on=(Licence.holder == Person.id))
             .where((Licence.authority == authority_id) & Licence.id.in_(_queued(authority_id))))
    if status:
        query = query.where(Licence.status == status)
    if category:
        query = query.where(fn.EXISTS(flag.select(flag.id).where(
            (flag.licence == Licence.id) & flag.closed_at.is_null() & (flag.category == category))))
    if q:
        term = q.strip()
        query = query.where(Licence.holder.in_(Person.matching_ids(term)) | (Licence.number == term.upper()))
    order = {
        "due": (SQL("next_due").asc(nulls="LAST"), SQL("last_flagged").desc()),
        "flags": (SQL("open_flags").desc(), SQL("next_due").asc(nulls="LAST")),
        "flagged": (SQL("last_flagged").desc(nulls="LAST"),),
        "holder": (Person.name, Licence.number),
    }[sort if sort in QUEUE_SORTS else "due"]
    return query.order_by(*order, Licence.id)


def _queued(authority_id):
    """Ids of the authority's licences with an open flag or an undecided recommendation, found from its flags and
    recommendations (through their copied authority) rather than by probing every licence it issued."""
    return (Flag.select(Flag.licence).where((Flag.authority == authority_id) & Flag.closed_at.is_null())
            | Recommendation.select(Recommendation.licence).where(
                (Recommendation.authority == authority_id)
                & ~fn.EXISTS(Decision.select(Decision.id).where(Decision.recommendation == Recommendation.id))))


def open_recommendations(licence_ids):
    """The earliest undecided recommendation of each licence, as {licence_id: Recommendation}."""
    found = {}
    for recommendation in (Recommendation.undecided().where(Recommendation.licence.in_(list(licence_ids) or [0]))
                           .order_by(Recommendation.due_on.desc())):
        found[recommendation.licence_id] = recommendation
    return found
