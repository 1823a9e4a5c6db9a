"""The outbox: one FollowUp row per message per recipient organisation, its history, and where to deliver."""
from datetime import timedelta

from peewee import (JOIN, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField, fn)

from core.db import BaseModel
from core.models import Organisation, User
from core.timeutil import to_local, utcnow

STATUSES = ("pending", "queued", "delivered", "failed")
UNFINISHED = ("pending", "queued")


class FollowUp(BaseModel):
    """A message an organisation must not miss. Its inbox entry is this row, once delivered to the inbox."""

    kind = CharField(max_length=60, index=True)
    record_type = CharField(max_length=40, null=True)
    record_id = IntegerField(null=True)
    sender = ForeignKeyField(Organisation, null=True, backref="followups_sent", on_delete="RESTRICT")
    sent_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    recipient = ForeignKeyField(Organisation, backref="followups_received", on_delete="RESTRICT")
    for_managers = BooleanField(default=False)  # escalations: shown to the recipient's managers
    subject = CharField(max_length=200)
    body = TextField()
    created_at = DateTimeField(default=utcnow, index=True)
    due_on = DateField(null=True)  # acknowledgement due by the end of this day
    # Delivery pipeline: pending -> queued -> delivered, or failed once retries run out.
    status = CharField(max_length=12, default="pending", index=True)
    idempotency_key = CharField(max_length=64, unique=True)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow, index=True)
    retry_until = DateTimeField()
    claimed_until = DateTimeField(null=True)  # a worker's lease while it delivers
    last_error = TextField(null=True)
    inbox_at = DateTimeField(null=True)
    email_at = DateTimeField(null=True)
    webhook_at = DateTimeField(null=True)
    delivered_at = DateTimeField(null=True)
    acknowledged_at = DateTimeField(null=True)
    acknowledged_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    escalated_at = DateTimeField(null=True)
    escalation_of = ForeignKeyField("self", null=True, backref="escalations", on_delete="RESTRICT")

    class Meta:
        indexes = (
            (("record_type", "record_id"), False),
            (("recipient", "inbox_at"), False),
        )

    @property
    def state(self):
        """What a person is shown: acknowledged, or where delivery stands."""
        return "acknowledged" if self.acknowledged_at else self.status

    @property
    def is_overdue(self):
        return (self.due_on is not None and self.acknowledged_at is None
                and to_local(utcnow()).date() > self.due_on)

    @classmethod
    def inbox(cls, organisation, user=None, unacknowledged=None, kind=None, q=None):
        """What organisation's inbox shows, unacknowledged first, then newest."""
        query = (cls.select(cls, Organisation).join(Organisation, JOIN.LEFT_OUTER, on=(cls.sender == Organisation.id))
                 .where((cls.recipient == organisation) & cls.inbox_at.is_null(False)))
        if user is not None and "manager" not in user.roles:
            query = query.where(~cls.for_managers)
        if unacknowledged is True:
            query = query.where(cls.acknowledged_at.is_null())
        elif unacknowledged is False:
            query = query.where(cls.acknowledged_at.is_null(False))
        if kind:
            query = query.where(cls.kind == kind)
        if q:
            query = query.where(cls.subject.contains(q) | cls.body.contains(q))
        return query.order_by(cls.acknowledged_at.is_null(False), cls.inbox_at.desc(), cls.id.desc())

    @classmethod
    def unacknowledged_count(cls, user):
        return cls.inbox(user.organisation, user, unacknowledged=True).count()

    @classmethod
    def sent_by_organisation(cls, organisation, state=None):
        query = (cls.select(cls, Organisation).join(Organisation, on=(cls.recipient == Organisation.id))
                 .where(cls.sender == organisation))
        if state == "acknowledged":
            query = query.where(cls.acknowledged_at.is_null(False))
        elif state == "unacknowledged":
            query = query.where(cls.acknowledged_at.is_null())
        elif state:
            query = query.where(cls.status == state)
        return query.order_by(cls.created_at.desc(), cls.id.desc())

    @classmethod
    def about(cls, record_type, record_id):
        """Every follow-up about one record, for its page and its API answer."""
        return (cls.select(cls, Organisation).join(Organisation, on=(cls.recipient == Organisation.id))
                .where((cls.record_type == record_type) & (cls.record_id == record_id))
                .order_by(cls.created_at, Organisation.name))

    @classmethod
    def due_for_delivery(cls, now, requeue_after):
        """Rows a sweep should put (back) on the queue: never enqueued, due a retry, or lost by a worker."""
        stale = now - timedelta(seconds=requeue_after)
        return cls.select(cls.id).where(
            cls.status.in_(UNFINISHED) & (cls.next_attempt_at <= stale)
            & (cls.claimed_until.is_null() | (cls.claimed_until < now)))

    @classmethod
    def failed(cls):
        return (cls.select(cls, Organisation).join(Organisation, on=(cls.recipient == Organisation.id))
                .where(cls.status == "failed").order_by(cls.created_at.desc()))

    @classmethod
    def overdue_for_acknowledgement(cls, today):
        return cls.select().where(cls.due_on.is_null(False) & (cls.due_on < today) & cls.acknowledged_at.is_null()
                                  & cls.escalated_at.is_null() & cls.escalation_of.is_null())

    @classmethod
    def counts_by_status(cls):
        return dict(cls.select(cls.status, fn.COUNT(cls.id)).group_by(cls.status).tuples())

    @classmethod
    def oldest_undelivered(cls):
        return cls.select().where(cls.status.in_(UNFINISHED + ("failed",))).order_by(cls.created_at).first()


class FollowUpEvent(BaseModel):
    """One step in a follow-up's history: pending, queued, delivered, failed, acknowledged, and retries."""

    followup = ForeignKeyField(FollowUp, backref="events", on_delete="CASCADE")
    at = DateTimeField(default=utcnow)
    status = CharField(max_length=20)
    detail = TextField(null=True)

    class Meta:
        indexes = ((("followup", "at"), False),)


class DeliverySettings(BaseModel):
    """Where an organisation receives follow-ups besides its in-app inbox."""

    organisation = ForeignKeyField(Organisation, unique=True, backref="delivery_settings", on_delete="CASCADE")
    email = CharField(max_length=254, null=True)
    webhook_url = CharField(max_length=500, null=True)
    webhook_secret = CharField(max_length=128, null=True)

    @classmethod
    def for_organisation(cls, organisation_id):
        return cls.get_or_none(cls.organisation == organisation_id)
