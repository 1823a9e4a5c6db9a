"""Sending, delivering, acknowledging and escalating follow-ups: the transactional outbox.

send() writes outbox rows inside the caller's transaction; only after that commits are they put on
the queue, up to BATCH_SIZE to a delivery job. A job may run more than once (rq delivers at least
once), so every effect is guarded: a lease stops two workers delivering one row at once, the inbox
entry and its audit are written in the transaction that takes the lease, and each outside channel is
marked done in the database soon after it succeeds (every RECORD_EVERY follow-ups), so a retry skips it.
"""
import json
import logging
import threading
import time
import uuid
from collections import defaultdict
from datetime import timedelta
from functools import partial

from flask import current_app, has_request_context
from flask_login import current_user
from redis.exceptions import RedisError
from rq import Queue

from core import audit
from core.audit import AuditEvent
from core.db import db
from core.models import Organisation, User
from core.queue import queue
from core.timeutil import to_local, utcnow
from core.workdays import add_working_days
from followups import channels
from followups.models import UNFINISHED, DeliverySettings, FollowUp, FollowUpEvent

log = logging.getLogger(__name__)

DELIVER_JOB = "followups.jobs.deliver"
# Follow-ups one delivery job takes on: enough to spread rq's cost per job (some 9 ms of Redis round
# trips) thin, and to claim, fill inboxes and record outcomes with a few statements for many rows.
BATCH_SIZE = 50
# A batch's e-mails and webhooks are recorded this many follow-ups at a time: a crash before the record
# repeats at most this many follow-ups' outside effects (with their idempotency keys).
RECORD_EVERY = 10

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
        _enqueue_after_commit([followup.id for followup in created])
    return created


# Ids written by send() in this thread's open transaction (peewee's connections are per thread too).
_unqueued = threading.local()


def _enqueue_after_commit(ids):
    """Queue ids once the outermost transaction commits, in one enqueue() with every other send() in it.

    Each send() registers the flush, and the first to run after the commit takes all the ids. A rollback
    drops the flushes, and its ids then ride along with the next commit's: harmless, as deliver() takes
    on only committed, unfinished rows.
    """
    if not hasattr(_unqueued, "ids"):
        _unqueued.ids = []
    _unqueued.ids.extend(ids)
    db.after_commit(_flush_unqueued)


def _flush_unqueued():
    ids, _unqueued.ids = _unqueued.ids, []
    if ids:
        enqueue(ids)


def enqueue(ids, delay=None):
    """Queue follow-ups for delivery, BATCH_SIZE to a job. If Redis is unreachable they stay pending for the sweep."""
    ids = sorted(set(ids))
    if not ids:
        return 0
    batches = [ids[start:start + BATCH_SIZE] for start in range(0, len(ids), BATCH_SIZE)]
    try:
        work = queue()
        # The database holds each delivery's outcome, so rq keeps no job results (result_ttl=0).
        if delay:
            for batch in batches:
                work.enqueue_in(delay, DELIVER_JOB, batch, job_timeout=300, result_ttl=0)
        else:
            work.enqueue_many([Queue.prepare_data(DELIVER_JOB, (batch,), timeout=300, result_ttl=0)
                               for batch in batches])
    except RedisError as error:
        log.warning("Could not queue follow-ups %s (%s); the sweep will retry", ids, error)
        return 0
    if not delay:
        now = utcnow()
        with db.atomic():
            queued = _updated_ids(FollowUp.update(status="queued", next_attempt_at=now).where(
                FollowUp.id.in_(ids) & (FollowUp.status == "pending")))
            if queued:
                FollowUpEvent.insert_many([_event(followup_id, "queued", now) for followup_id in queued]).execute()
    return len(ids)


def deliver(followup_id):
    """Deliver one follow-up: "delivered", "retrying", "failed", or "skipped" (finished, or another worker has it)."""
    return deliver_batch([followup_id]).get(followup_id, "skipped")


def deliver_batch(followup_ids):
    """Deliver follow-ups on each of their recipients' channels; safe to run any number of times, on any ids.

    Returns {id: outcome} for the rows this run took on. Three steps:
    1. One transaction leases every row that is unfinished and not leased to another worker (so two workers
       never both deliver a row), puts those not yet in the inbox there, and audits the disclosure.
    2. E-mail and webhooks go out, outside any transaction, skipping what an earlier attempt did. The inbox
       is committed first, so a partner's slow server never delays it.
    3. After every RECORD_EVERY rows, a transaction records what their channels did: delivered, a retry
       after a backoff, or failed.
    A crash between an outside effect and its record means that effect is repeated on retry, with the same
    idempotency key for the receiver to recognise.
    """
    lease_seconds = current_app.config["FOLLOWUP_LEASE_SECONDS"]
    # No follow-up's outside effects start after half the lease: the other half leaves room for the last
    # one's timeouts, so the lease cannot run out while this worker still works on the batch.
    deadline = time.monotonic() + lease_seconds / 2
    now = utcnow()
    lease = now + timedelta(seconds=lease_seconds)
    with db.atomic():
        claimed = _claim(followup_ids, now, lease)
        if not claimed:
            return {}
        _put_in_inbox([followup for followup in claimed if followup.inbox_at is None], now)
        settings = {row.organisation_id: row for row in DeliverySettings.select().where(
            DeliverySettings.organisation.in_({followup.recipient_id for followup in claimed}))}
    outcomes = {}
    with channels.Connections() as connections:
        for start in range(0, len(claimed), RECORD_EVERY):
            rows = claimed[start:start + RECORD_EVERY]
            results = _send_outside(rows, settings, connections, deadline)
            with db.atomic():
                outcomes.update(_record_outcomes(rows, results, lease))
    return outcomes


def _claim(ids, now, lease):
    """Lease the rows among ids that are unfinished and that no worker holds; return them in id order."""
    query = FollowUp.update(claimed_until=lease, attempts=FollowUp.attempts + 1).where(
        FollowUp.id.in_(ids) & FollowUp.status.in_(UNFINISHED)
        & (FollowUp.claimed_until.is_null() | (FollowUp.claimed_until < now)))
    return sorted(query.returning(FollowUp).execute(), key=lambda followup: followup.id)


def _put_in_inbox(followups, now):
    """The inbox entry is the row itself: mark each in, with its history step and disclosure audit."""
    if not followups:
        return
    FollowUp.update(inbox_at=now).where(FollowUp.id.in_([followup.id for followup in followups])).execute()
    FollowUpEvent.insert_many([_event(followup.id, "inbox", now, "delivered by inbox") for followup in followups]
                              ).execute()
    # Reaching another organisation's inbox is a disclosure of the record it is about. One insert for the
    # batch, of the entries audit.record() would write: the sending user and their organisation.
    users = {followup.sent_by_id for followup in followups} - {None}
    organisations = dict(User.select(User.id, User.organisation).where(User.id.in_(users)).tuples()) if users else {}
    AuditEvent.insert_many([{
        "at": now, "user": followup.sent_by_id, "organisation": organisations.get(followup.sent_by_id),
        "action": "followup.disclose", "record_type": followup.record_type, "record_id": followup.record_id,
        "reason": f"follow-up {followup.id} ({followup.kind}) delivered",
        "recipients": json.dumps([followup.recipient_id]),
    } for followup in followups]).execute()


def _send_outside(followups, settings, connections, deadline):
    """Send each follow-up by e-mail and webhook where its recipient has them and no earlier attempt did.

    Returns {id: (channels done, errors)}. Follow-ups not reached by the deadline are left out.
    """
    results = {}
    for followup in followups:
        if time.monotonic() > deadline:
            break
        recipient = settings.get(followup.recipient_id)
        done, errors = [], []
        for name, column in channels.outside(recipient):
            if getattr(followup, column) is not None:
                continue  # done on an earlier attempt
            try:
                connections.send(name, followup, recipient)
            except channels.DeliveryError as error:
                errors.append(f"{name}: {error}")
            else:
                done.append((name, column))
        results[followup.id] = done, errors
    return results


def _record_outcomes(followups, results, lease):
    """Write each row's outcome and history, and queue its next attempt; returns {id: outcome}.

    Only rows whose lease is still this worker's are written: a row whose lease ran out may be another
    worker's by now. Rows with the same changes share one UPDATE, so a healthy batch takes one.
    """
    now = utcnow()
    groups = defaultdict(list)
    for followup in followups:
        outcome, changes, events, delay = _outcome(followup, results.get(followup.id), now)
        groups[tuple(sorted(changes.items()))].append((followup.id, outcome, events, delay))
    outcomes, events, again = {}, [], defaultdict(list)
    for changes, rows in groups.items():
        held = set(_updated_ids(FollowUp.update(dict(changes)).where(
            FollowUp.id.in_([row[0] for row in rows]) & (FollowUp.claimed_until == lease))))
        for followup_id, outcome, row_events, delay in rows:
            if followup_id in held:
                outcomes[followup_id] = outcome
                events += row_events
                if delay is not None:
                    again[delay].append(followup_id)
                if outcome == "failed":
                    log.error("Follow-up %s failed for good: %s", followup_id, dict(changes)["last_error"])
    if events:
        FollowUpEvent.insert_many(events).execute()
    for delay, ids in again.items():
        db.after_commit(partial(enqueue, ids, delay=timedelta(seconds=delay) if delay else None))
    return outcomes


def _outcome(followup, result, now):
    """One attempt's (outcome, column changes, history events, seconds until it is queued again or None)."""
    if result is None:
        # Not reached before the deadline: handed back untried, and queued again at once.
        return "postponed", {"claimed_until": None, "attempts": followup.attempts - 1}, [], 0
    done, errors = result
    changes = {column: now for _, column in done}
    changes["claimed_until"] = None
    events = [_event(followup.id, name, now, f"delivered by {name}") for name, _ in done]
    if not errors:
        changes.update(status="delivered", delivered_at=now, last_error=None)
        return "delivered", changes, events + [_event(followup.id, "delivered", now)], None
    error = "; ".join(errors)
    changes["last_error"] = error
    if now >= followup.retry_until:
        changes["status"] = "failed"
        return "failed", changes, events + [_event(followup.id, "failed", now, error)], None
    delay = backoff_seconds(followup.attempts)
    changes.update(status="pending", next_attempt_at=now + timedelta(seconds=delay))
    detail = f"attempt {followup.attempts} failed, retry in {delay}s: {error}"
    return "retrying", changes, events + [_event(followup.id, "pending", now, detail)], delay


def _event(followup_id, status, at, detail=None):
    """A FollowUpEvent row for insert_many."""
    return {"followup": followup_id, "status": status, "at": at, "detail": detail}


def _updated_ids(query):
    """Run an UPDATE of FollowUp rows and return the ids of the rows it changed."""
    return [row.id for row in query.returning(FollowUp.id).execute()]


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


def escalate_once(rows, message, action=None, about=None, chained=False):
    """Escalate each of rows (a query on a model with escalated_at) once, to the managers of the organisations
    message(row) names: message returns (to, subject, body). The first sweep to claim a row's escalated_at sends
    it, so a second or concurrent sweep skips it. about(row) is the record the escalation is about (the row
    itself unless given); chained links it to the follow-up it escalates. Returns how many were escalated."""
    model = rows.model
    escalated = 0
    for row in rows.where(model.escalated_at.is_null()):
        with db.atomic():
            claimed = model.update(escalated_at=utcnow()).where(
                (model.id == row.id) & model.escalated_at.is_null()).execute()
            if not claimed:
                continue
            to, subject, body = message(row)
            send("escalation", about(row) if about else row, to=to, subject=subject, body=body,
                 sender=None, for_managers=True, escalation_of=row if chained else None)
            audit.record(action or f"{model._meta.table_name}.escalate", row, recipients=to)
        escalated += 1
    return escalated


def escalate_overdue(today=None):
    """Escalate follow-ups not acknowledged by their due date to the managers of both organisations.

    The escalation is a follow-up too, with no due date of its own, so escalations never chain.
    """
    def message(followup):
        recipient = Organisation.get_by_id(followup.recipient_id)
        return ([followup.recipient_id] + ([followup.sender_id] if followup.sender_id else []),
                f"Not acknowledged by {recipient.name}: {followup.subject}"[:200],
                f"{recipient.name} has not acknowledged this follow-up, due by {followup.due_on:%d %b %Y}.\n\n"
                f"{followup.subject}\n\n{followup.body}")

    return escalate_once(FollowUp.overdue_for_acknowledgement(today or to_local(utcnow()).date()), message,
                         action="followup.escalate", about=lambda f: (f.record_type, f.record_id), chained=True)


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
