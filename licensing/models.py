"""Licences and their history, flags, recommendations, decisions and panel hearings."""
from datetime import date, datetime

from peewee import (JOIN, SQL, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, ModelSelect,
                    Select, TextField, Value, fn)

from core.db import BaseModel, db
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
        """Search by holder name or alias, licence number or vehicle registration (matching), ordered by holder
        name; with no q, the register newest first, which the primary key's index gives without a sort."""
        query = (LicenceSearch(cls, (cls, Person, Organisation, Vehicle))
                 .join(Person, on=(cls.holder == Person.id))
                 .switch(cls).join(Organisation, on=(cls.authority == Organisation.id))
                 .switch(cls).join(Vehicle, JOIN.LEFT_OUTER, on=(cls.vehicle == Vehicle.id)))
        if q:
            query = query.where(cls.matching(q))
        if status:
            query = query.where(cls.status == status)
        if authority_id:
            query = query.where(cls.authority == authority_id)
        if flagged is True:
            query = query.where(fn.EXISTS(Flag.select(Flag.id).where((Flag.licence == cls.id)
                                                                     & Flag.closed_at.is_null())))
        return query.order_by(Person.name, cls.number, cls.id) if q else query.order_by(cls.id.desc())

    @classmethod
    def matching(cls, q):
        """A condition that the licence's holder is named q (Person.named), its number is q (in any case) or its
        vehicle's registration is q (in any spelling). Each part tests a column of the licence itself, so the OR
        is answered from three indexes (SQLite's multi-index OR, PostgreSQL's BitmapOr), each licence once."""
        term = q.strip()
        condition = Person.named(term, cls.holder) | (cls.number == term.upper())
        mark = registration(term)
        if mark:  # registrations are unique, so this is one vehicle at most
            condition |= cls.vehicle == Vehicle.select(Vehicle.id).where(Vehicle.registration == mark)
        return condition

    def __str__(self):
        return f"{self.kind_label} {self.number}"


class LicenceSearch(ModelSelect):
    """Licence.search()'s query. Its joins add the holder's, the authority's and the vehicle's columns to each
    licence and never a row (each is one row by a foreign key, and only the vehicle may be missing), so it is
    counted on the licence table alone, under the same WHERE. A condition on a joined table therefore fails
    loudly in count() rather than being counted wrongly: filter on the licence's own columns."""

    def count(self, database=None, clear_limit=False):
        # A bare SELECT COUNT(*) (peewee's count() wraps its query in another): with no WHERE, SQLite counts the
        # rows of a b-tree without reading them.
        licences = Licence.select(fn.COUNT(SQL("*")))
        return (licences if self._where is None else licences.where(self._where)).scalar()


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


def _queue_order(sort):
    """The ORDER BY of a queue sort, by the names of the queue's columns (or the licence's and holder's)."""
    return {
        "due": (SQL("next_due").asc(nulls="LAST"), SQL("last_flagged").desc()),
        "flags": (SQL("open_flags").desc(), SQL("next_due").asc(nulls="LAST")),
        "flagged": (SQL("last_flagged").desc(nulls="LAST"),),
        "holder": (Person.name, Licence.number),
    }[sort]


class ReviewQueue:
    """The licensing authority's review queue: one row per licence with an open flag or an undecided
    recommendation, carrying open_flags, last_flagged and next_due (the earliest undecided due date).

    Two queries in one, so that a large authority's queue costs little more than one page of it: its keys
    (licence ids and those three, grouped from the authority's open flags and undecided recommendations through
    their copied authority, joined to the licence and its holder only when a filter or the sort needs them) are
    counted, sorted and cut to a page, and only then are the page's rows joined to their licence and holder.
    paginate(), the CSV export and the home page's panel take it as they would a query."""

    def __init__(self, authority_id, sort="due", status=None, category=None, q=None):
        self.authority_id = authority_id
        self.sort = sort if sort in QUEUE_SORTS else "due"
        queued = _concerns(authority_id).alias("queued")
        keys = Select([queued], [queued.c.licence_id, queued.c.open_flags, queued.c.last_flagged,
                                 queued.c.next_due]).bind(db)
        on_licence = bool(status or q)
        if on_licence:
            keys = keys.join(Licence, on=(Licence.id == queued.c.licence_id))
        if status:
            keys = keys.where(Licence.status == status)
        if category:
            keys = keys.where(queued.c.licence_id.in_(Flag.select(Flag.licence).where(
                (Flag.authority == authority_id) & Flag.closed_at.is_null() & (Flag.category == category))))
        if q:
            term = q.strip()
            keys = keys.where(Person.named(term, Licence.holder) | (Licence.number == term.upper()))
        self.counted = keys  # the holder sort's joins below order the keys and do not change how many there are
        if self.sort == "holder":
            if not on_licence:
                keys = keys.join(Licence, on=(Licence.id == queued.c.licence_id))
            keys = keys.join(Person, on=(Licence.holder == Person.id))
        self.keys = keys.order_by(*_queue_order(self.sort), queued.c.licence_id)

    def count(self):
        return self.counted.count()

    def paginate(self, page, per_page):
        return self._rows(self.keys.paginate(page, per_page))

    def limit(self, n):
        return self._rows(self.keys.limit(n))

    def __iter__(self):
        return iter(self._rows(self.keys))

    def _rows(self, keys):
        page = keys.alias("page")
        # bind_to puts the page's columns on each Licence (peewee would otherwise make a row object of the page).
        return (Licence.select(Licence, Person, page.c.open_flags.bind_to(Licence),
                               page.c.last_flagged.bind_to(Licence), page.c.next_due.bind_to(Licence))
                .join(page, on=(page.c.licence_id == Licence.id))
                .switch(Licence).join(Person, on=(Licence.holder == Person.id))
                .where(Licence.authority == self.authority_id)  # the keys' copied authority, checked on the licence
                .order_by(*_queue_order(self.sort), Licence.id))


def review_queue(authority_id, sort="due", status=None, category=None, q=None):
    """The authority's review queue (ReviewQueue), sorted by one of QUEUE_SORTS and filtered by licence status,
    open flag category and text (the holder's name as Person.named matches it, or the licence number)."""
    return ReviewQueue(authority_id, sort=sort, status=status, category=category, q=q)


def _concerns(authority_id):
    """One row per licence of the authority with an open flag or an undecided recommendation (found through their
    copied authority rather than by probing every licence it issued): licence_id, open_flags, last_flagged and
    next_due, grouped in one pass over both."""
    decision = Decision.alias("its_decision")
    flags = (Flag.select(Flag.licence.alias("licence_id"), Value(1).alias("is_flag"), Flag.raised_at.alias("raised_at"),
                         SQL("NULL").alias("due_on"))
             .where((Flag.authority == authority_id) & Flag.closed_at.is_null()))
    undecided = (Recommendation.select(Recommendation.licence, Value(0), SQL("NULL"), Recommendation.due_on)
                 .where((Recommendation.authority == authority_id)
                        & ~fn.EXISTS(decision.select(decision.id).where(decision.recommendation == Recommendation.id))))
    concerns = (flags + undecided).alias("concern")
    return (Select([concerns], [concerns.c.licence_id, fn.SUM(concerns.c.is_flag).alias("open_flags"),
                                fn.MAX(concerns.c.raised_at).alias("last_flagged"),
                                fn.MIN(concerns.c.due_on).alias("next_due")])
            .group_by(concerns.c.licence_id))


def open_recommendations(licence_ids):
    """The earliest undecided recommendation of each licence, as {licence_id: Recommendation}."""
    found = {}
    for recommendation in (Recommendation.undecided().where(Recommendation.licence.in_(list(licence_ids) or [0]))
                           .order_by(Recommendation.due_on.desc())):
        found[recommendation.licence_id] = recommendation
    return found
