"""Benchmark: follow-up delivery by real worker processes on PostgreSQL and Redis: throughput, latency, SIGKILL chaos.

It runs on the machine's own servers: PostgreSQL at 127.0.0.1:5432 (database `bench`, created when
missing, its public schema dropped and migrated afresh for every run) and Redis at 127.0.0.1:6379,
database 14 (flushed before every run and at the end). Workers are `python worker.py` processes, as
in production, with a 5 s lease, a 5 s re-queue delay and a sweep every 2 s. Five fictional
organisations each receive follow-ups in their inbox and at a webhook served by this process, which
answers 200 over keep-alive HTTP/1.1 and counts every request's Idempotency-Key, so a repeated
delivery shows up.

Measured against the SPEC's goals: p95 commit-to-inbox under 1 s on an idle worker, at least 200
deliveries a second with two workers, and nothing lost or duplicated when workers are killed.
"""
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg2
from peewee import fn
from rq import Worker
from rq.registry import FailedJobRegistry

from app import create_app
from core.audit import AuditEvent
from core.db import db, migration_runner
from core.models import Organisation
from followups import send
from followups.models import DeliverySettings, FollowUp, FollowUpEvent
from followups.outbox import BATCH_SIZE, RECORD_EVERY

NAME = "followups"

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
DATABASE = "bench"
DATABASE_URL = f"postgresql://{POSTGRES['user']}@{POSTGRES['host']}:{POSTGRES['port']}/{DATABASE}"
REDIS_URL = "redis://127.0.0.1:6379/14"
SECRET_KEY = "benchmark-secret"
WORKER_SETTINGS = {"FOLLOWUP_LEASE_SECONDS": 5, "FOLLOWUP_REQUEUE_AFTER_SECONDS": 5, "SWEEP_INTERVAL_SECONDS": 2}
WORKER_COMMAND = [sys.executable, "worker.py"]

ORGANISATIONS = [
    ("Northmoor Constabulary", "police"),
    ("Eastvale Borough Council Licensing", "licensing"),
    ("Westbrook Schools Safeguarding Partnership", "partner"),
    ("Southfield Youth Services", "partner"),
    ("Highcliff Housing Trust", "partner"),
]

THROUGHPUT_SENDS = 2_000  # each to all five organisations
SENDS_PER_TRANSACTION = 50
LATENCY_SENDS = 200
LATENCY_RATE = 20  # follow-ups a second
CHAOS_SENDS = 2_000  # each to all five organisations
CHAOS_KILL_INTERVAL = 1.0  # often enough for a few dozen kills within the drain
SETTLE_SECONDS = 7  # after the last delivery, longer than a lease, so a late repeat would still show
RUN_LIMIT_SECONDS = 900  # a hard limit on any one drain


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a worker killed mid-request resets its connection: the chaos run does that on purpose


class WebhookReceiver:
    """A partner's endpoint on loopback: answers 200, counts requests per Idempotency-Key.

    It speaks HTTP/1.1, so a worker keeps one connection open across a batch, as with a partner's real server.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.keys = Counter()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.keys[self.headers["Idempotency-Key"]] += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self):
        with self.lock:
            self.keys.clear()

    def figures(self):
        with self.lock:
            requests = sum(self.keys.values())
            return {"requests": requests, "keys": len(self.keys), "repeats": requests - len(self.keys),
                    "received": set(self.keys)}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _parent_and_group(pid):
    """(parent pid, process group) of pid from /proc, or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), int(fields[2])


def descendants(pid):
    """Every live process below pid (Linux /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = _parent_and_group(int(entry.name))
            if found:
                parents.setdefault(found[0], []).append(int(entry.name))
    below, stack = [], [pid]
    while stack:
        for child in parents.get(stack.pop(), []):
            below.append(child)
            stack.append(child)
    return below


class WorkerProcesses:
    """`python worker.py` processes, each in its own session, logging to a file; killed like a crash."""

    def __init__(self, log_folder, command=WORKER_COMMAND, extra_env=None):
        self.log_folder = Path(log_folder)
        self.command = command
        # The workers get this benchmark's servers and settings, and nothing that would point elsewhere.
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith(("FLASK_", "DATABASE_", "REDIS_", "FOLLOWUP_", "SWEEP_"))}
        self.env.update(DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL, SECRET_KEY=SECRET_KEY,
                        WEBHOOK_ALLOW_HTTP="1", **{key: str(value) for key, value in WORKER_SETTINGS.items()},
                        **(extra_env or {}))
        self.running = []
        self.started = 0
        self.kills = 0
        self.escaped_group = 0  # processes a kill of the worker's process group did not reach
        self.logs = []

    def start(self):
        self.started += 1
        log_path = self.log_folder / f"worker-{self.started:03d}.log"
        self.logs.append(log_path)
        with open(log_path, "wb") as log:
            process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, start_new_session=True,
                                       stdout=log, stderr=subprocess.STDOUT)
        self.running.append(process)
        return process

    def kill(self, process):
        """SIGKILL the worker's process group and anything it forked into a group of its own."""
        try:
            os.killpg(process.pid, signal.SIGSTOP)  # freeze it, so it forks nothing while we look
        except ProcessLookupError:
            pass
        below = descendants(process.pid)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid in below:
            found = _parent_and_group(pid)
            if found and found[1] != process.pid:
                # rq's forking Worker puts its work horse in a group of its own (setpgrp), so killing
                # the worker's group would leave it running; the SimpleWorker forks none, so this stays 0.
                self.escaped_group += 1
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        process.wait(10)
        self.running.remove(process)
        self.kills += 1

    def stop_all(self):
        for process in list(self.running):
            self.kill(process)

    def log_findings(self):
        """Warning and error lines from every worker log, with numbers and ids blanked, counted."""
        findings = Counter()
        for path in self.logs:
            for line in path.read_text(errors="replace").splitlines():
                if any(word in line for word in (" WARNING ", " ERROR ", " CRITICAL ", "Traceback", "Error:")):
                    message = re.sub(r"^\S+ \S+ ", "", line)  # the timestamp
                    message = re.sub(r"[0-9a-f]{32}|[0-9a-f-]{36}", "<id>", message)
                    findings[re.sub(r"\d+(\.\d+)?", "N", message)[:160]] += 1
        return findings


def create_database():
    """Create the `bench` database on the local PostgreSQL server unless it exists."""
    connection = psycopg2.connect(dbname="postgres", **POSTGRES)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        connection.close()


def build_app(folder):
    return create_app({"INSTANCE_PATH": str(folder), "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL,
                       "SECRET_KEY": SECRET_KEY, "WEBHOOK_ALLOW_HTTP": True, **WORKER_SETTINGS})


def reset(app, receiver):
    """An empty, migrated schema with the five organisations and their webhooks; an empty Redis db 14."""
    app.get_redis().flushdb()
    receiver.reset()
    with app.app_context(), db.connection_context():
        db.execute_sql("DROP SCHEMA public CASCADE")
        db.execute_sql("CREATE SCHEMA public")
        migration_runner().up()
        organisations = []
        for name, kind in ORGANISATIONS:
            organisation = Organisation.create(name=name, kind=kind)
            DeliverySettings.create(organisation=organisation, webhook_url=receiver.url,
                                    webhook_secret=f"secret for {name}")
            organisations.append(organisation.id)
    return organisations


def queue_followups(app, organisations, sends):
    """Send `sends` notices to every organisation, SENDS_PER_TRANSACTION to a commit; return seconds taken."""
    started = time.perf_counter()
    with app.app_context(), db.connection_context():
        for first in range(0, sends, SENDS_PER_TRANSACTION):
            with db.atomic():
                for number in range(first, min(first + SENDS_PER_TRANSACTION, sends)):
                    send("notice", ("licence", number + 1), to=organisations,
                         subject=f"Benchmark notice {number + 1}",
                         body="Premises licence review moved to Thursday; please confirm attendance.")
    return time.perf_counter() - started


def count_delivered(app):
    with app.app_context(), db.connection_context():
        return FollowUp.select().where(FollowUp.status == "delivered").count()


def wait_for_workers(app, count, seconds=60):
    """Wait until `count` workers have registered with Redis (each has finished starting up)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if Worker.count(connection=app.get_redis()) >= count:
            return True
        time.sleep(0.1)
    raise RuntimeError(f"{count} worker(s) did not start within {seconds} s; see their logs")


def wait_for_delivery(app, total, limit=RUN_LIMIT_SECONDS, during=None):
    """Poll until `total` follow-ups are delivered; call during() each round. Seconds taken, or None at the limit."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if count_delivered(app) >= total:
            return time.monotonic() - started
        if during:
            during()
        time.sleep(0.1)
    return None


def worker_statistics(app):
    """Jobs the registered rq workers finished and failed, and the seconds they spent working."""
    workers = Worker.all(connection=app.get_redis())
    return {"succeeded": sum(w.successful_job_count for w in workers),
            "failed": sum(w.failed_job_count for w in workers),
            "working_seconds": sum(w.total_working_time for w in workers)}


def outcome(app, receiver):
    """What the database and the receiver hold after a run: losses, duplicates and how hard the queue worked."""
    with app.app_context(), db.connection_context():
        total = FollowUp.select().count()
        statuses = FollowUp.counts_by_status()

        def more_than_once(status):
            repeated = (FollowUpEvent.select(FollowUpEvent.followup).where(FollowUpEvent.status == status)
                        .group_by(FollowUpEvent.followup).having(fn.COUNT(FollowUpEvent.id) > 1))
            return repeated.count()

        disclosures = (AuditEvent.select(AuditEvent.reason).where(AuditEvent.action == "followup.disclose")
                       .group_by(AuditEvent.reason).having(fn.COUNT(AuditEvent.id) > 1)).count()
        queued = FollowUpEvent.select().where(FollowUpEvent.status == "queued").count()
        attempts = FollowUp.select(fn.SUM(FollowUp.attempts)).scalar() or 0
        first_inbox, last_delivered = FollowUp.select(fn.MIN(FollowUp.inbox_at), fn.MAX(FollowUp.delivered_at)).scalar(
            as_tuple=True)
        keys = {key for key, in FollowUp.select(FollowUp.idempotency_key).where(FollowUp.status == "delivered").tuples()}
        webhook_done = FollowUp.select().where(FollowUp.webhook_at.is_null(False)).count()
        stuck = list(FollowUp.select(FollowUp.id, FollowUp.status, FollowUp.attempts, FollowUp.claimed_until,
                                     FollowUp.last_error).where(FollowUp.status != "delivered").limit(5).dicts())
    hook = receiver.figures()
    rq_failed = FailedJobRegistry(connection=app.get_redis(), name="default").count
    return {
        "total": total, "statuses": statuses, "lost": total - statuses.get("delivered", 0), "stuck_sample": stuck,
        "inbox_twice": more_than_once("inbox"), "delivered_twice": more_than_once("delivered"),
        "disclosed_twice": disclosures, "webhook_at": webhook_done,
        "webhook_requests": hook["requests"], "webhook_keys": hook["keys"], "webhook_repeats": hook["repeats"],
        "webhook_missing": len(keys - hook["received"]), "webhook_unknown": len(hook["received"] - keys)
        if total == statuses.get("delivered", 0) else None,
        "jobs_queued": queued, "attempts": attempts, "rq_failed": rq_failed,
        "active_seconds": (last_delivered - first_inbox).total_seconds() if first_inbox and last_delivered else None,
    }


def report_findings(workers):
    findings = workers.log_findings()
    for message, count in findings.most_common(8):
        print(f"    worker log x{count}: {message}")
    return findings


def throughput(app, receiver, log_folder, worker_count, sends=THROUGHPUT_SENDS, command=WORKER_COMMAND):
    """Queue sends x 5 follow-ups with no worker, then start worker_count workers and time the drain."""
    organisations = reset(app, receiver)
    total = sends * len(organisations)
    queue_seconds = queue_followups(app, organisations, sends)
    print(f"  {worker_count} worker(s): queued {total:,} follow-ups in {queue_seconds:.1f} s")
    workers = WorkerProcesses(Path(log_folder) / f"throughput-{worker_count}", command=command)
    workers.log_folder.mkdir(parents=True, exist_ok=True)
    try:
        started = time.monotonic()
        for _ in range(worker_count):
            workers.start()
        wait_for_workers(app, worker_count)
        ready = time.monotonic() - started
        drained = wait_for_delivery(app, total)
        elapsed = time.monotonic() - started
        stats = worker_statistics(app)
    finally:
        workers.stop_all()
    result = outcome(app, receiver)
    result.update(workers=worker_count, queue_seconds=queue_seconds, startup=ready, elapsed=elapsed,
                  drained=drained is not None, rq=stats, findings=report_findings(workers))
    result["rate"] = total / (elapsed - ready)
    print(f"  {worker_count} worker(s): {result['statuses'].get('delivered', 0):,}/{total:,} delivered in "
          f"{elapsed:.1f} s ({ready:.1f} s starting): {result['rate']:.1f} deliveries/s; "
          f"{result['jobs_queued']:,} rows queued, {stats['succeeded']:,} rq jobs run")
    return result


def latency(app, receiver, log_folder, worker_count, sends=LATENCY_SENDS, command=WORKER_COMMAND):
    """Send one follow-up at a time at LATENCY_RATE a second to idle workers; commit-to-inbox times in seconds."""
    organisations = reset(app, receiver)
    workers = WorkerProcesses(Path(log_folder) / f"latency-{worker_count}", command=command)
    workers.log_folder.mkdir(parents=True, exist_ok=True)
    try:
        for _ in range(worker_count):
            workers.start()
        wait_for_workers(app, worker_count)
        # One delivery first, so the workers have done their first-job imports, then let them go idle.
        with app.app_context(), db.connection_context():
            warm_up = send("notice", None, to=organisations[:1], subject="Warm-up", body="x")[0].id
        wait_for_delivery(app, 1, limit=60)
        time.sleep(3)
        ids = []
        started = time.monotonic()
        with app.app_context(), db.connection_context():
            for number in range(sends):
                # Paced against the clock, so a slow send does not push every later one back.
                pause = started + number / LATENCY_RATE - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                ids.append(send("notice", ("licence", number + 1), to=[organisations[number % len(organisations)]],
                                subject=f"Latency notice {number + 1}", body="One at a time.")[0].id)
        drained = wait_for_delivery(app, sends + 1, limit=120)
    finally:
        workers.stop_all()
    with app.app_context(), db.connection_context():
        rows = list(FollowUp.select(FollowUp.created_at, FollowUp.inbox_at, FollowUp.delivered_at)
                    .where(FollowUp.id.in_(ids) & FollowUp.inbox_at.is_null(False)).tuples())
    to_inbox = sorted((inbox - created).total_seconds() for created, inbox, _ in rows)
    to_delivered = sorted((delivered - created).total_seconds() for created, _, delivered in rows if delivered)
    result = outcome(app, receiver)
    result.update(workers=worker_count, sends=sends, measured=len(to_inbox), drained=drained is not None,
                  warm_up=warm_up, findings=report_findings(workers),
                  inbox=summary(to_inbox), delivered=summary(to_delivered))
    print(f"  {worker_count} worker(s): commit-to-inbox over {len(to_inbox)} follow-ups: "
          f"p50 {result['inbox']['p50'] * 1000:.0f} ms, p95 {result['inbox']['p95'] * 1000:.0f} ms, "
          f"max {result['inbox']['max'] * 1000:.0f} ms")
    return result


def summary(seconds):
    if len(seconds) < 2:
        return {"p50": float("nan"), "p95": float("nan"), "max": float("nan")}
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {"p50": statistics.median(seconds), "p95": cuts[94], "max": max(seconds)}


def chaos(app, receiver, log_folder, sends=CHAOS_SENDS, command=WORKER_COMMAND):
    """Two workers drain a queue while one of them is SIGKILLed and replaced every CHAOS_KILL_INTERVAL s."""
    organisations = reset(app, receiver)
    total = sends * len(organisations)
    queue_followups(app, organisations, sends)
    workers = WorkerProcesses(Path(log_folder) / "chaos", command=command)
    workers.log_folder.mkdir(parents=True, exist_ok=True)
    next_kill = [time.monotonic() + CHAOS_KILL_INTERVAL]

    def kill_one():
        if time.monotonic() >= next_kill[0]:
            workers.kill(workers.running[0])  # the oldest, so each one lives about two intervals
            workers.start()
            next_kill[0] = time.monotonic() + CHAOS_KILL_INTERVAL

    try:
        started = time.monotonic()
        workers.start()
        workers.start()
        drained = wait_for_delivery(app, total, during=kill_one)
        elapsed = time.monotonic() - started
        # Leave the survivors running past a lease, so any late repeat of a delivery would be counted.
        time.sleep(SETTLE_SECONDS)
    finally:
        workers.stop_all()
    result = outcome(app, receiver)
    # stop_all() kills the last two too; they are not chaos kills.
    result.update(sends=sends, elapsed=elapsed, drained=drained is not None, kills=workers.kills - 2,
                  escaped_group=workers.escaped_group, findings=report_findings(workers))
    print(f"  chaos: {result['statuses'].get('delivered', 0):,}/{total:,} delivered in {elapsed:.1f} s with "
          f"{result['kills']} kills; lost {result['lost']}, inbox twice {result['inbox_twice']}, "
          f"webhook repeats de-duplicated {result['webhook_repeats']}")
    return result


def run():
    """Throughput, latency and chaos on the local PostgreSQL and Redis; print the figures and return Markdown."""
    wall = time.monotonic()
    load = os.getloadavg()[0]
    create_database()
    receiver = WebhookReceiver()
    log_folder = Path(tempfile.mkdtemp(prefix="bench-followups-"))
    app = build_app(log_folder / "instance")
    print(f"Follow-ups on {DATABASE_URL} and {REDIS_URL}; worker logs in {log_folder}")
    try:
        runs = [throughput(app, receiver, log_folder, 1), throughput(app, receiver, log_folder, 2)]
        latencies = [latency(app, receiver, log_folder, 1), latency(app, receiver, log_folder, 2)]
        disorder = chaos(app, receiver, log_folder)
    finally:
        receiver.close()
        app.get_redis().flushdb()
    wall = time.monotonic() - wall
    print(f"  follow-up benchmark wall time {wall / 60:.1f} min")
    return markdown(runs, latencies, disorder, wall, load)


def _goal(met):
    return "met" if met else "**not met**"


def markdown(runs, latencies, disorder, wall, load):
    settings = ", ".join(f"{key}={value}" for key, value in WORKER_SETTINGS.items())
    lines = [
        "## Follow-up delivery",
        "",
        f"Real `python worker.py` processes (rq's SimpleWorker, which runs jobs in-process, plus the sweep scheduler) on the local "
        f"PostgreSQL 15 and Redis, with {settings}. Five organisations each have an inbox and a webhook "
        f"served on loopback by the benchmark (it answers 200 over keep-alive HTTP/1.1 and counts requests per "
        f"Idempotency-Key). A delivery job takes up to {BATCH_SIZE} follow-ups; send()s committed together are "
        f"queued together. Total wall time {wall / 60:.1f} min; 1-minute load average as the run began "
        f"{load:.2f} (anything else on the machine shares its cores).",
        "",
        "### Throughput",
        "",
        "Follow-ups are queued with no worker running (send() in transactions of "
        f"{SENDS_PER_TRANSACTION} sends to all five organisations, enqueued after commit); then the "
        "workers start and the clock runs until every row is delivered. The rate excludes worker start-up. "
        "Rows queued counts every row put on the queue (the sweep re-queues rows that have waited longer than "
        "the re-queue delay, even though their first job is still in the queue).",
        "",
        "| Workers | Follow-ups | Queueing s | Start-up s | Drain s | Deliveries/s | Rows queued | rq jobs run | Lost |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in runs:
        lines.append(f"| {r['workers']} | {r['total']:,} | {r['queue_seconds']:.1f} | {r['startup']:.1f} | "
                     f"{r['elapsed'] - r['startup']:.1f} | {r['rate']:.1f} | {r['jobs_queued']:,} | "
                     f"{r['rq']['succeeded']:,} | {r['lost']} |")
    two = runs[-1]
    lines += [
        "",
        f"Goal: at least 200 deliveries/s with two workers: {_goal(two['rate'] >= 200)} ({two['rate']:.1f}/s).",
        "",
        "### Latency on idle workers",
        "",
        f"{LATENCY_SENDS} follow-ups sent one at a time at {LATENCY_RATE} a second to idle workers; "
        "commit-to-inbox is `inbox_at - created_at` as the app stored them (created_at is taken just "
        "before the sending transaction commits).",
        "",
        "| Workers | Measured | Inbox p50 ms | Inbox p95 ms | Inbox max ms | Delivered (with webhook) p95 ms |",
        "|--:|--:|--:|--:|--:|--:|",
    ]
    for r in latencies:
        lines.append(f"| {r['workers']} | {r['measured']} | {r['inbox']['p50'] * 1000:.0f} | "
                     f"{r['inbox']['p95'] * 1000:.0f} | {r['inbox']['max'] * 1000:.0f} | "
                     f"{r['delivered']['p95'] * 1000:.0f} |")
    one = latencies[0]
    lines += [
        "",
        f"Goal: p95 commit-to-inbox under 1 s on an idle worker: {_goal(one['inbox']['p95'] < 1)} "
        f"({one['inbox']['p95'] * 1000:.0f} ms with one worker).",
        "",
        "### Chaos: workers killed while draining",
        "",
        f"{disorder['total']:,} follow-ups queued, two workers draining; every {CHAOS_KILL_INTERVAL:.0f} s the "
        "older worker's process group (worker, sweep scheduler, rq scheduler), and any process that "
        "left the group, get SIGKILL and a new worker starts. After the last delivery "
        f"the survivors run {SETTLE_SECONDS} s more, so a late repeat would be counted.",
        "",
        "| Measure | Value |",
        "|---|--:|",
        f"| Kills | {disorder['kills']} |",
        f"| Drain time s | {disorder['elapsed']:.1f} |",
        f"| Lost (not delivered at the end) | {disorder['lost']} |",
        f"| Duplicated inbox effects (follow-ups with more than one inbox event) | {disorder['inbox_twice']} |",
        f"| Duplicated disclosure audit entries | {disorder['disclosed_twice']} |",
        f"| Follow-ups with more than one 'delivered' event | {disorder['delivered_twice']} |",
        f"| Delivered follow-ups whose webhook never arrived | {disorder['webhook_missing']} |",
        f"| Webhook requests / distinct keys | {disorder['webhook_requests']:,} / {disorder['webhook_keys']:,} |",
        f"| Repeated webhook requests the receiver de-duplicated (allowed; a kill repeats at most "
        f"{RECORD_EVERY} per batch it interrupts) | {disorder['webhook_repeats']} |",
        f"| Rows queued (first queueing plus sweep re-queues) | {disorder['jobs_queued']:,} |",
        f"| Processes left running by a kill of the worker's process group | {disorder['escaped_group']} |",
        "",
        f"Goal: nothing lost and nothing duplicated: "
        f"{_goal(disorder['lost'] == 0 and disorder['inbox_twice'] == 0 and disorder['disclosed_twice'] == 0)}.",
    ]
    findings = Counter()
    for r in runs + latencies + [disorder]:
        findings.update(r["findings"])
    if findings:
        lines += ["", "Warnings and errors in the worker logs, all runs (numbers blanked):", ""]
        lines += [f"- {count} x `{message}`" for message, count in findings.most_common(6)]
    return "\n".join(lines)
