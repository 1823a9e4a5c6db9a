"""The append-only audit log and the one function that writes to it (DPA 2018 part 3 logging)."""
import json

from flask import has_request_context, request
from flask_login import current_user
from peewee import JOIN, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField, fn

from core.db import BaseModel
from core.models import Organisation, User
from core.timeutil import utcnow


class AuditLogIsAppendOnly(Exception):
    """Raised by any attempt to change or remove an audit entry."""


class AuditEvent(BaseModel):
    """One audited action. Rows are inserted and read, never updated or deleted."""

    at = DateTimeField(default=utcnow, index=True)
    user = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    organisation = ForeignKeyField(Organisation, null=True, on_delete="RESTRICT")
    # What the user typed when no account matched (failed logins); never a password.
    actor_label = CharField(max_length=254, null=True)
    action = CharField(max_length=60, index=True)
    record_type = CharField(max_length=40, null=True)
    record_id = IntegerField(null=True)
    reason = TextField(null=True)
    recipients = TextField(null=True)  # JSON list of organisation ids a disclosure went to
    address = CharField(max_length=64, null=True)

    class Meta:
        indexes = ((("record_type", "record_id"), False),)

    def save(self, *args, **kwargs):
        if self.id is not None:
            raise AuditLogIsAppendOnly("audit entries cannot be changed")
        return super().save(*args, **kwargs)

    def delete_instance(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("audit entries cannot be deleted")

    @classmethod
    def update(cls, *args, **kwargs):
        raise AuditLogIsAppendOnly("audit entries cannot be changed")

    @classmethod
    def delete(cls):
        raise AuditLogIsAppendOnly("audit entries cannot be deleted")

    @property
    def recipient_ids(self):
        return json.loads(self.recipients) if self.recipients else []

    @classmethod
    def search(cls, user_id=None, organisation_id=None, action=None, record_type=None,
               record_id=None, since=None, until=None, user_email=None):
        """Filter the log, newest first. since/until are naive-UTC datetimes."""
        query = (cls.select(cls, User, Organisation)
                 .join(User, join_type=JOIN.LEFT_OUTER, on=(cls.user == User.id))
                 .switch(cls)
                 .join(Organisation, join_type=JOIN.LEFT_OUTER, on=(cls.organisation == Organisation.id))
                 .order_by(cls.at.desc(), cls.id.desc()))
        if user_id:
            query = query.where(cls.user == user_id)
        if user_email:
            email = user_email.strip().lower()
            query = query.where((fn.LOWER(User.email) == email) | (cls.actor_label == email))
        if organisation_id:
            query = query.where(cls.organisation == organisation_id)
        if action:
            query = query.where(cls.action.startswith(action))
        if record_type:
            query = query.where(cls.record_type == record_type)
        if record_id:
            query = query.where(cls.record_id == record_id)
        if since:
            query = query.where(cls.at >= since)
        if until:
            query = query.where(cls.at < until)
        return query


def record(action, record=None, *, record_type=None, record_id=None, reason=None,
           recipients=None, user=None, actor_label=None):
    """Write one audit event.

    The acting user defaults to whoever is logged in, and the address to the request's.
    Pass a model instance as record, or record_type and record_id.
    """
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    if record is not None:
        record_type = record_type or record._meta.table_name
        record_id = record.id
    return AuditEvent.create(
        user=user,
        organisation=user.organisation_id if user else None,
        actor_label=actor_label,
        action=action,
        record_type=record_type,
        record_id=record_id,
        reason=reason,
        recipients=json.dumps(sorted(o if isinstance(o, int) else o.id for o in recipients))
        if recipients else None,
        address=request.remote_addr if has_request_context() else None,
    )
