"""Sending, delivering, acknowledging and escalating follow-ups: the transactional outbox.

send() writes outbox rows inside the caller's transaction; only after that commits are they put on
the queue. A delivery job may run more than once (rq delivers at least once), so every effect is
guarded: a lease stops two workers delivering one row at once, and each channel is marked done in
the database the moment it succeeds, so a retry skips it.
"""
import logging
import uuid
from datetime import timedelta

from flask import current_app, has_request_context
from flask_login import current_user
from redis.exceptions import RedisError

from core import audit
from core.db import db
from core.models import Organisation, User
from core.queue import queue
from core.timeutil import to_local, utcnow
from core.workdays import add_working_days
from followups import channels
from followups.models import DeliverySettings, FollowUp, FollowUpEvent

log = logging.getLogger(__name__)

DELIVER_JOB = "followups.jobs.deliver"

_periodic_checks = []


def periodic_check(fn):
    """Register fn() to run on every sweep: a domain's own overdue check (it sends what it must)."""
    _periodic_checks.append(fn)
    return fn


def _record_ref(record):
    if record is None:
        return None, None
    if isinstance(record, tuple):
        return record
    return record._meta.table_name, record.id


def send(kind, record, to, subject, body, due_in_working_days=None, sender=None, for_managers=False,
         escalation_of=None):
    """Write one follow-up per recipient organisation, to be delivered once the caller's transaction commits.

    record is a model instance, a (record_type, record_id) pair, or None for a general notice.
    sender defaults to the logged-in user's organisation. Returns the new FollowUp rows.
    """
    user = current_user._get_current_object() if has_request_context() and current_user.is_authenticated else None
    if sender is None and user is not None:
        sender = user.organisation
    record_type, record_id = _record_ref(record)
    due_on = add_working_days(to_local(utcnow()).date(), due_in_working_days) if due_in_working_days else None
    retry_until = utcnow() + timedelta(hours=current_app.config["FOLLOWUP_RETRY_HOURS"])
    recipients = {org.id if isinstance(org, Organisation) else org for org in to}
    created = []
    with db.atomic():
        for recipient in sorted(recipients):
            followup = FollowUp.create(
                kind=kind, record_type=record_type, record_id=record_id, sender=sender, sent_by=user,
                recipient=recipient, for_managers=for_managers, subject=subject[:200], body=body,
                due_on=due_on, idempotency_key=uuid.uuid4().hex, retry_until=retry_until,
                escalation_of=escalation_of)
            FollowUpEvent.create(followup=followup, status="pending")
            created.append(followup)
        ids = [followup.id for followup in created]
        # Runs after the outermost transaction commits; a rollback discards it with the rows.
        db.after_commit(lambda: enqueue(ids))
    return created


def enqueue(ids, delay=None):
    """Put follow-ups on the queue. If Redis is unreachable they stay pending for the sweep."""
    try:
        work = queue()
        # The database holds each delivery's outcome, so rq keeps no job results (result_ttl=0).
        for followup_id in ids:
            if delay:
                work.enqueue_in(delay, DELIVER_JOB, followup_id, job_timeout=300, result_ttl=0)
            else:
                work.enqueue(DELIVER_JOB, followup_id, job_timeout=300, result_ttl=0)
    except RedisError as error:
        log.warning("Could not queue follow-ups %s (%s); the sweep will retry", ids, error)
        return 0
    if not delay:
        now = utcnow()
        with db.atomic():
            queued = list(FollowUp.select(FollowUp.id).where(FollowUp.id.in_(ids) & (FollowUp.status == "pending"))
                          .tuples())
            FollowUp.update(status="queued", next_attempt_at=now).where(
                FollowUp.id.in_(ids) & (FollowUp.status == "pending")).execute()
            FollowUpEvent.insert_many([{"followup": row[0], "status": "queued", "at": now} for row in queued]).execute()
    return len(ids)


def _claim(followup_id):
    """Take the delivery lease on a row; False when it is finished or another worker holds it."""
    now = utcnow()
    lease = now + timedelta(seconds=current_app.config["FOLLOWUP_LEASE_SECONDS"])
    return FollowUp.update(claimed_until=lease, attempts=FollowUp.attempts + 1).where(
        (FollowUp.id == followup_id) & FollowUp.status.in_(("pending", "queued"))
        & (FollowUp.claimed_until.is_null() | (FollowUp.claimed_until < now))).execute() == 1


def deliver(followup_id):
    """Deliver one follow-up on each of its recipient's channels; safe to run any number of times.

    Two transactions: the first takes the lease and puts the row in the inbox (with its disclosure
    audit), so the inbox never waits on a partner's slow server; the second records what e-mail and
    the webhook did and the outcome. A crash between an outside effect and the second commit means that
    effect is repeated on retry, with the same idempotency key for the receiver to recognise.
    """
    with db.atomic():
        if not _claim(followup_id):
            return "skipped"
        followup = FollowUp.get_by_id(followup_id)
        if followup.inbox_at is None:
            _put_in_inbox(followup)
    settings = DeliverySettings.for_organisation(followup.recipient_id)
    done, errors = [], []
    for name, column, effect in channels.outside(settings):
        if getattr(followup, column) is not None:
            continue  # done on an earlier attempt
        try:
            effect(followup, settings)
        except channels.DeliveryError as error:
            errors.append(f"{name}: {error}")
        else:
            done.append((name, column))
    now = utcnow()
    with db.atomic():
        changes = {getattr(FollowUp, column): now for _, column in done}
        events = [{"followup": followup.id, "status": name, "at": now, "detail": f"delivered by {name}"}
                  for name, _ in done]
        if errors:
            outcome = _retry_later(followup, "; ".join(errors), changes, events, now)
        else:
            changes.update({FollowUp.status: "delivered", FollowUp.delivered_at: now, FollowUp.claimed_until: None,
                            FollowUp.last_error: None})
            events.append({"followup": followup.id, "status": "delivered", "at": now, "detail": None})
            outcome = "delivered"
        FollowUp.update(changes).where(FollowUp.id == followup.id).execute()
        FollowUpEvent.insert_many(events).execute()
    return outcome


def _put_in_inbox(followup):
    now = utcnow()
    FollowUp.update(inbox_at=now).where(FollowUp.id == followup.id).execute()
    followup.inbox_at = now
    FollowUpEvent.create(followup=followup, status="inbox", at=now, detail="delivered by inbox")
    # Reaching another organisation's inbox is a disclosure of the record it is about.
    audit.record("followup.disclose", record_type=followup.record_type, record_id=followup.record_id,
                 reason=f"follow-up {followup.id} ({followup.kind}) delivered", recipients=[followup.recipient_id],
                 user=User.get_or_none(User.id == followup.sent_by_id) if followup.sent_by_id else None)


def _retry_later(followup, error, changes, events, now):
    """Add a failed attempt to changes and events: back off and try again, or give up after the retry period."""
    changes.update({FollowUp.last_error: error, FollowUp.claimed_until: None})
    if now >= followup.retry_until:
        changes[FollowUp.status] = "failed"
        events.append({"followup": followup.id, "status": "failed", "at": now, "detail": error})
        log.error("Follow-up %s failed for good: %s", followup.id, error)
        return "failed"
    delay = backoff_seconds(followup.attempts)
    changes.update({FollowUp.status: "pending", FollowUp.next_attempt_at: now + timedelta(seconds=delay)})
    events.append({"followup": followup.id, "status": "pending", "at": now,
                   "detail": f"attempt {followup.attempts} failed, retry in {delay}s: {error}"})
    db.after_commit(lambda: enqueue([followup.id], delay=timedelta(seconds=delay)))
    return "retrying"


def backoff_seconds(attempts):
    """Seconds before the next try after `attempts` failures: 10 s doubling up to an hour."""
    base = current_app.config["FOLLOWUP_BACKOFF_SECONDS"]
    return min(base * 2 ** max(attempts - 1, 0), 3600)


def retry_failed(followup, by):
    """An administrator sends a failed follow-up round again, with a fresh retry period."""
    now = utcnow()
    with db.atomic():
        FollowUp.update(status="pending", next_attempt_at=now, claimed_until=None,
                        retry_until=now + timedelta(hours=current_app.config["FOLLOWUP_RETRY_HOURS"])).where(
            (FollowUp.id == followup.id) & (FollowUp.status == "failed")).execute()
        FollowUpEvent.create(followup=followup, status="pending", at=now, detail=f"retry requested by {by.name}")
        audit.record("followup.retry", followup, user=by)
        db.after_commit(lambda: enqueue([followup.id]))


def acknowledge(followup, user):
    """The receiving organisation confirms it has the message. Acknowledging again changes nothing."""
    if followup.acknowledged_at is not None:
        return followup
    now = utcnow()
    with db.atomic():
        updated = FollowUp.update(acknowledged_at=now, acknowledged_by=user).where(
            (FollowUp.id == followup.id) & FollowUp.acknowledged_at.is_null()).execute()
        if updated:
            FollowUpEvent.create(followup=followup, status="acknowledged", at=now, detail=f"by {user.name}")
            audit.record("followup.acknowledge", followup, user=user,
                         reason=f"{followup.kind} about {followup.record_type or 'no record'} {followup.record_id or ''}")
    return FollowUp.get_by_id(followup.id)


def escalate_overdue(today=None):
    """Escalate follow-ups not acknowledged by their due date to the managers of both organisations.

    The escalation is a follow-up too, with no due date of its own, so escalations never chain.
    """
    today = today or to_local(utcnow()).date()
    escalated = 0
    for followup in FollowUp.overdue_for_acknowledgement(today):
        with db.atomic():
            claimed = FollowUp.update(escalated_at=utcnow()).where(
                (FollowUp.id == followup.id) & FollowUp.escalated_at.is_null()).execute()
            if not claimed:
                continue
            recipient = Organisation.get_by_id(followup.recipient_id)
            to = [followup.recipient_id] + ([followup.sender_id] if followup.sender_id else [])
            send("escalation", (followup.record_type, followup.record_id), to=to,
                 subject=f"Not acknowledged by {recipient.name}: {followup.subject}"[:200],
                 body=(f"{recipient.name} has not acknowledged this follow-up, due by {followup.due_on:%d %b %Y}.\n\n"
                       f"{followup.subject}\n\n{followup.body}"),
                 sender=None, for_managers=True, escalation_of=followup)
            audit.record("followup.escalate", followup, recipients=to)
        escalated += 1
    return escalated


def sweep(now=None):
    """The periodic pass: re-queue what is stuck or due, escalate overdue follow-ups, run domains' checks."""
    now = now or utcnow()
    due = [row.id for row in FollowUp.due_for_delivery(now, current_app.config["FOLLOWUP_REQUEUE_AFTER_SECONDS"])]
    if due:
        # Back to pending first, so enqueue() marks them queued again and the history shows the retry.
        FollowUp.update(status="pending").where(FollowUp.id.in_(due)).execute()
        enqueue(due)
    escalated = escalate_overdue()
    for check in _periodic_checks:
        check()
    return {"requeued": len(due), "escalated": escalated}
