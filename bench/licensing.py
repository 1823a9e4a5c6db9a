"""Benchmark: licence register search and the review queue at national scale, on SQLite and PostgreSQL.

A generator builds a fictional national register: 300 licensing authorities of very different sizes,
500,000 licences (mostly drivers; vehicle licences carry a vehicle), their holders, 50,000 open flags
(plus closed ones) spread over each authority's licences, and recommendations, some undecided with
due dates. The same rows are bulk-loaded into a migrated temporary SQLite file and into PostgreSQL
(database `bench_licensing` at 127.0.0.1:5432, or BENCH_LICENSING_PG_DATABASE, created when missing, its
public schema dropped and migrated afresh each run), then the product's own queries are timed in process,
the way the pages and the API run them: Licence.search() and review_queue() through core.web.paginate (the
COUNT and the first page of 50), and for the queue also open_recommendations() of that page.

Each query is timed with varied terms and reported as p50/p95 and as the median's ratio to SELECT 1
in the same run (the machine is shared). The goal is p95 under 20 ms. A sample of the search terms is first
checked against the matching rules worked out in Python, and every count against the other backend's.

BENCH_LICENSING_SCALE (default 1) shrinks everything for a quick check, e.g. 0.02; only a full-scale run
rewrites BENCHMARKS.md. Run it alone with `.venv/bin/python -m bench.licensing`.
"""
import io
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg2
from flask import Flask

from core.db import db, migration_runner, open_database
from core.models import Organisation
from core.web import paginate
from licensing.models import (QUEUE_SORTS, Decision, Flag, Licence, Recommendation, open_recommendations,
                              review_queue)
from records.models import Person, Vehicle
from records.normalise import registration

NAME = "licensing"

SCALE = float(os.environ.get("BENCH_LICENSING_SCALE", "1"))
AUTHORITIES = max(5, round(300 * min(SCALE, 1)))
LICENCES = round(500_000 * SCALE)
OPEN_FLAGS = round(50_000 * SCALE)
CLOSED_FLAGS = round(10_000 * SCALE)
RECOMMENDATIONS = round(6_000 * SCALE)

POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
PG_DATABASE = os.environ.get("BENCH_LICENSING_PG_DATABASE", "bench_licensing")
TODAY = date(2026, 11, 23)  # fixed, so every run builds the same register
NOW = datetime(2026, 11, 23, 9, 0)

WARM_UP = 5
MIN_RUNS = 15
MAX_RUNS = 300
SECONDS_PER_QUERY = 5  # stop after this long (and at least MIN_RUNS) so slow queries do not take all day
GOAL_MS = 20

FIRST_NAMES = ["Aaron", "Abdul", "Adam", "Adeel", "Ahmed", "Aidan", "Alan", "Ali", "Amir", "Andrew", "Anil",
               "Anthony", "Arjun", "Asif", "Barry", "Ben", "Bilal", "Brian", "Callum", "Carl", "Chris", "Craig",
               "Daniel", "Darren", "David", "Dean", "Dylan", "Ewan", "Faisal", "Farhan", "Gareth", "Gary", "Graham",
               "Hamza", "Hassan", "Ian", "Imran", "Irfan", "Jack", "Jamal", "James", "Jason", "Jon", "Karim",
               "Keith", "Kevin", "Khalid", "Lee", "Liam", "Luke", "Mark", "Martin", "Mohammed", "Nadeem", "Neil",
               "Nick", "Omar", "Owen", "Paul", "Peter", "Rahul", "Raj", "Ravi", "Richard", "Rob", "Ryan", "Sajid",
               "Sam", "Sean", "Shaun", "Simon", "Steven", "Stuart", "Tariq", "Tom", "Tony", "Usman", "Wayne",
               "Yasir", "Zain", "Anna", "Claire", "Emma", "Fatima", "Helen", "Julie", "Karen", "Lisa", "Maria",
               "Sarah", "Tracey", "Zara"]
SURNAMES = ["Abbott", "Ahmad", "Akhtar", "Ali", "Allen", "Anwar", "Ashworth", "Atkinson", "Bailey", "Baker",
            "Barker", "Begum", "Bell", "Bennett", "Bhatti", "Booth", "Bradley", "Brennan", "Brooks", "Brown",
            "Butler", "Carter", "Chaudhry", "Clarke", "Cole", "Collins", "Cooper", "Cox", "Davies", "Dawson",
            "Dixon", "Doyle", "Dunn", "Edwards", "Ellis", "Evans", "Farooq", "Fisher", "Fletcher", "Ford",
            "Foster", "Fox", "Gill", "Gordon", "Graham", "Grant", "Gray", "Green", "Hall", "Hamilton", "Harris",
            "Hart", "Hassan", "Hill", "Holmes", "Hughes", "Hunt", "Hussain", "Iqbal", "Jackson", "James",
            "Javed", "Johnson", "Jones", "Kaur", "Kelly", "Khan", "King", "Knight", "Kumar", "Lane", "Lewis",
            "Lloyd", "Mahmood", "Malik", "Marsh", "Marshall", "Mason", "Matthews", "Mills", "Mirza", "Mitchell",
            "Moore", "Morgan", "Morris", "Murphy", "Nawaz", "Nolan", "Owen", "Palmer", "Parker", "Patel",
            "Pearson", "Phillips", "Poole", "Price", "Qureshi", "Rahman", "Rashid", "Reid", "Reynolds",
            "Richards", "Riley", "Roberts", "Robinson", "Rogers", "Rose", "Saeed", "Shah", "Sharma", "Shaw",
            "Sheikh", "Simpson", "Singh", "Smith", "Stevens", "Stone", "Sultan", "Taylor", "Thomas", "Turner",
            "Walker", "Walsh", "Ward", "Watson", "Webb", "White", "Wilson", "Wood", "Wright", "Yousaf", "Young"]
PLACE_STARTS = ["Ash", "Bram", "Cal", "Dun", "Elm", "Fen", "Glen", "Hol", "Ivy", "Kel", "Lyn", "Mar", "Nor",
                "Oak", "Pen", "Quar", "Ros", "Sel", "Thorn", "Wil"]
PLACE_ENDS = ["brook", "bury", "cliff", "dale", "field", "ford", "gate", "ham", "holme", "hurst", "ley",
              "mere", "moor", "stead", "stow", "thorpe", "ton", "vale", "well", "wick"]
MAKES = [("Toyota", ["Prius", "Auris", "Corolla", "Avensis"]), ("Skoda", ["Octavia", "Superb"]),
         ("Ford", ["Galaxy", "Mondeo", "Tourneo"]), ("Volkswagen", ["Passat", "Sharan", "Touran"]),
         ("Kia", ["Niro", "Ceed"]), ("Mercedes-Benz", ["E-Class", "Vito"]), ("LEVC", ["TX"]),
         ("Hyundai", ["Ioniq", "Tucson"]), ("Peugeot", ["508", "Traveller"])]
COLOURS = ["Black", "Silver", "White", "Grey", "Blue", "Red"]
# kind, share of licences, number prefix
KINDS = [("phv_driver", 0.46, "PHD"), ("hackney_driver", 0.14, "HCD"), ("phv_vehicle", 0.22, "PHV"),
         ("hackney_vehicle", 0.08, "HCV"), ("phv_operator", 0.03, "PHO"), ("premises", 0.04, "PRM"),
         ("special_treatment", 0.03, "STL")]
VEHICLE_KINDS = ("phv_vehicle", "hackney_vehicle")
STATUSES = [("granted", 80), ("expired", 8), ("applied", 5), ("suspended", 2), ("revoked", 2),
            ("surrendered", 2), ("refused", 1)]
FLAG_CATEGORIES = ["cse_concern", "arrest_charge", "vehicle_sighting", "conduct", "dbs", "other"]
ACTIONS = ["suspend", "revoke", "add_conditions", "warn", "no_action"]


# --- the register -------------------------------------------------------------------------------------

def _day(days_ago):
    return (TODAY - timedelta(days=days_ago)).isoformat()


def _moment(seconds_ago):
    return (NOW - timedelta(seconds=seconds_ago)).isoformat(" ")


def generate():
    """Every row of the fictional register, as {model: (field names, rows)}, with explicit ids.

    Values are plain strings, numbers, booleans and None, so the same rows go to both databases.
    """
    rng = random.Random(4)
    tables = {}

    names = [f"{start}{end}" for start in PLACE_STARTS for end in PLACE_ENDS]
    rng.shuffle(names)
    organisations = [(n + 1, f"{place} Council Licensing", "licensing", True, _moment(0))
                     for n, place in enumerate(names[:AUTHORITIES])]
    police = [(len(organisations) + n + 1, f"{place} Police", "police", True, _moment(0))
              for n, place in enumerate(names[AUTHORITIES:AUTHORITIES + 5])]
    specialist = (len(organisations) + 6, "Regional Exploitation Team", "specialist", True, _moment(0))
    tables[Organisation] = (("id", "name", "kind", "active", "created_at"),
                            organisations + police + [specialist])
    sources = [row[0] for row in police] + [specialist[0]]
    # Authorities differ a lot in size (one city licenses tens of thousands of drivers); Zipf-like weights.
    weights = [1 / (n + 1) ** 0.7 for n in range(AUTHORITIES)]
    codes = {row[0]: row[1][:3].upper() + str(row[0]) for row in organisations}

    people, vehicles, licences = [], [], []
    registrations = set()
    drivers = []  # person ids who hold a driver's licence, some of whom also license a vehicle
    counters = {}
    kinds = rng.choices([k for k, _, _ in KINDS], weights=[w for _, w, _ in KINDS], k=LICENCES)
    prefixes = {k: p for k, _, p in KINDS}
    authorities = rng.choices([row[0] for row in organisations], weights=weights, k=LICENCES)
    statuses = rng.choices([s for s, _ in STATUSES], weights=[w for _, w in STATUSES], k=LICENCES)
    for n in range(LICENCES):
        kind, authority = kinds[n], authorities[n]
        if kind in VEHICLE_KINDS and drivers and rng.random() < 0.6:
            holder = rng.choice(drivers)
        else:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
            alias = f"{rng.choice(FIRST_NAMES)} {name.split()[1]}" if rng.random() < 0.05 else ""
            people.append((len(people) + 1, name, alias, _day(rng.randrange(9000, 25000)), _moment(0)))
            holder = len(people)
            if kind in ("phv_driver", "hackney_driver"):
                drivers.append(holder)
        vehicle = None
        if kind in VEHICLE_KINDS:
            while True:
                mark = (rng.choice("ABCDEFGHJKLMNOPRSTVWXY") + rng.choice("ABCDEFGHJKLMNOPRSTUVWXY")
                        + f"{rng.randrange(2, 75):02d}" + "".join(rng.choices("ABCDEFGHJKLMNOPRSTUVWXYZ", k=3)))
                if mark not in registrations:
                    break
            registrations.add(mark)
            make, models = rng.choice(MAKES)
            vehicles.append((len(vehicles) + 1, mark, make, rng.choice(models), rng.choice(COLOURS), _moment(0)))
            vehicle = len(vehicles)
        counters[authority, kind] = counters.get((authority, kind), 0) + 1
        number = f"{codes[authority]}/{prefixes[kind]}/{counters[authority, kind]:05d}"
        status = statuses[n]
        granted = _day(rng.randrange(30, 1100)) if status != "applied" else None
        expires = _day(rng.randrange(-1000, 30)) if granted else None
        dbs = _day(rng.randrange(0, 400)) if kind in ("phv_driver", "hackney_driver") else None
        licences.append((n + 1, kind, number, holder, authority, status, granted, expires, vehicle, None, "",
                         dbs, rng.random() < 0.7, _moment(rng.randrange(1, 10 ** 8))))
    tables[Person] = (("id", "name", "aliases", "date_of_birth", "created_at"), people)
    tables[Vehicle] = (("id", "registration", "make", "model", "colour", "created_at"), vehicles)
    tables[Licence] = (("id", "kind", "number", "holder", "authority", "status", "granted_on", "expires_on",
                        "vehicle", "operator", "conditions", "dbs_checked_on", "dbs_update_service", "created_at"),
                       licences)

    # Flags fall mostly on drivers; a flagged licence often carries more than one.
    driver_licences = [row[0] for row in licences if row[1] in ("phv_driver", "hackney_driver")]
    other_licences = [row[0] for row in licences if row[1] not in ("phv_driver", "hackney_driver")]
    flags = []
    while len(flags) < OPEN_FLAGS + CLOSED_FLAGS:
        licence = rng.choice(driver_licences if rng.random() < 0.9 else other_licences)
        for _ in range(rng.choices([1, 2, 3, 4], weights=[70, 20, 7, 3])[0]):
            raised = rng.randrange(60, 3 * 365 * 86400)
            closed = len(flags) >= OPEN_FLAGS
            flags.append((len(flags) + 1, licence, authorities[licence - 1], rng.choice(sources), None,
                          rng.choice(FLAG_CATEGORIES),
                          "Information shared by a partner agency; see the intelligence log.", _moment(raised),
                          _moment(raised - rng.randrange(1, 60)) if closed else None,
                          "Reviewed: no further action." if closed else None))
    flags = flags[:OPEN_FLAGS + CLOSED_FLAGS]
    tables[Flag] = (("id", "licence", "authority", "source", "raised_by", "category", "summary", "raised_at",
                     "closed_at", "closed_reason"), flags)

    recommendations, decisions = [], []
    flagged = sorted({row[1] for row in flags[:OPEN_FLAGS]})
    for licence in rng.sample(flagged, min(RECOMMENDATIONS, len(flagged))):
        created = rng.randrange(86400, 200 * 86400)
        recommendation = len(recommendations) + 1
        recommendations.append((recommendation, licence, authorities[licence - 1], rng.choice(sources), None,
                                rng.choice(ACTIONS),
                                "Grounds set out in the attached intelligence summary.",
                                (NOW - timedelta(seconds=created) + timedelta(days=28)).date().isoformat(),
                                _moment(created), None))
        if rng.random() < 0.6:
            decisions.append((len(decisions) + 1, recommendation, rng.choice(["endorsed", "not_endorsed"]),
                              "none", "Considered by the licensing panel.", None, _moment(created - 86400)))
    tables[Recommendation] = (("id", "licence", "authority", "organisation", "created_by", "action", "grounds",
                               "due_on", "created_at", "escalated_at"), recommendations)
    tables[Decision] = (("id", "recommendation", "outcome", "licence_action", "reasons", "decided_by",
                         "decided_at"), decisions)
    return tables


def _columns(model, fields):
    return ", ".join(f'"{model._meta.fields[name].column_name}"' for name in fields)


def load_sqlite(tables):
    """Insert every table in one transaction with the driver's executemany (peewee's per-row work would
    dominate the load)."""
    connection = db.obj.connection()
    with db.obj.atomic():
        for model, (fields, rows) in tables.items():
            placeholders = ", ".join("?" for _ in fields)
            connection.executemany(f'INSERT INTO "{model._meta.table_name}" ({_columns(model, fields)}) '
                                   f"VALUES ({placeholders})", rows)


def _copy_text(value):
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def load_postgres(tables):
    """COPY every table, move the id sequences past the explicit ids, and VACUUM ANALYZE as autovacuum would."""
    cursor = db.obj.connection().cursor()
    with db.obj.atomic():
        for model, (fields, rows) in tables.items():
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(_copy_text(value) for value in row) + "\n")
            buffer.seek(0)
            table = model._meta.table_name
            cursor.copy_expert(f'COPY "{table}" ({_columns(model, fields)}) FROM STDIN', buffer)
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                           f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))')
    db.execute_sql("VACUUM ANALYZE")


def create_pg_database():
    connection = psycopg2.connect(dbname="postgres", **POSTGRES)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DATABASE,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    finally:
        connection.close()


# --- what is searched ---------------------------------------------------------------------------------

def spellings(mark):
    """A registration as people type it: "ab12 cde", "AB12CDE", "Ab12-Cde"."""
    spaced = f"{mark[:-3]} {mark[-3:]}"
    return [spaced.lower(), mark, spaced, f"{mark[:-3].title()}-{mark[-3:].title()}"]


def search_terms(tables, rng):
    """Varied terms per kind of search, all drawn from the register so they find something."""
    people = tables[Person][1]
    licences = tables[Licence][1]
    vehicles = tables[Vehicle][1]
    full = [rng.choice(people)[1] for _ in range(200)]
    surnames = [rng.choice(SURNAMES) for _ in range(200)]
    partial = []
    for _ in range(200):
        name = rng.choice(people)[1]
        length = rng.randrange(4, 7)
        start = rng.randrange(0, len(name) - length + 1)
        partial.append(name[start:start + length].strip() or name)
    numbers = [rng.choice(licences)[2] for _ in range(200)]
    numbers = [number.lower() if n % 2 else number for n, number in enumerate(numbers)]
    marks = [spellings(rng.choice(vehicles)[1])[n % 4] for n in range(200)] if vehicles else ["ab12 cde"]
    return {
        "name (full)": full,
        "name (surname)": surnames,
        "name (partial, 4-6 letters)": partial,
        "licence number": numbers,
        "registration": marks,
    }


# --- what the search should find ------------------------------------------------------------------------

def expected_counts(tables, terms, per_kind=10):
    """{(kind, term): licences found} for the first terms of each kind, worked out in Python from the generated
    rows by the rules Person.named and Licence.matching document, so the benchmark times queries that are right."""
    people = tables[Person][1]
    licences = tables[Licence][1]
    marks = {row[0]: row[1] for row in tables[Vehicle][1]}
    names = [(row[0], [line.lower() for line in [row[1], *row[2].splitlines()]]) for row in people]
    expected = {}
    for kind, arguments in terms.items():
        for term in arguments[:per_kind]:
            term = " ".join(term.split())
            folded = term.lower()
            if len(term) >= 3:
                named = {pid for pid, lines in names if any(folded in line for line in lines)}
            elif len(term) == 2:
                named = {pid for pid, lines in names if any((" " + line).find(" " + folded) >= 0 for line in lines)}
            else:
                named = set()
            mark = registration(term)
            expected[kind, term] = sum(1 for row in licences if row[3] in named or row[2] == term.upper()
                                       or (mark and row[8] is not None and marks[row[8]] == mark))
    return expected


# --- timing -------------------------------------------------------------------------------------------

def timed(call, arguments):
    """Seconds per call over arguments, cycled, after WARM_UP unmeasured calls; returns (times, results)."""
    for argument in arguments[:WARM_UP]:
        call(argument)
    times, results = [], []
    started = time.perf_counter()
    n = 0
    while n < MAX_RUNS and (n < MIN_RUNS or time.perf_counter() - started < SECONDS_PER_QUERY):
        argument = arguments[n % len(arguments)]
        start = time.perf_counter()
        results.append(call(argument))
        times.append(time.perf_counter() - start)
        n += 1
    return times, results


def p95(times):
    return statistics.quantiles(times, n=100)[94]


def search_page(term):
    """What the register page and GET /api/v1/licences cost: core.web.paginate's COUNT and first page of 50."""
    return paginate(Licence.search(q=term)).total


def queue_page(sort):
    def call(authority_id):
        page = paginate(review_queue(authority_id, sort=sort))
        open_recommendations(row.id for row in page.items)
        return page.total
    return call


def explain(query, backend):
    sql, params = query.sql()
    if backend == "sqlite":
        rows = db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        return "\n".join(f"{row[1]:>3} {row[3]}" for row in rows)
    rows = db.execute_sql("EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) " + sql, params).fetchall()
    return "\n".join(row[0] for row in rows)


class Measurer:
    """Times queries on the open database, keeping their figures, results and plans by label."""

    def __init__(self, backend):
        self.backend, self.figures, self.plans = backend, {}, {}

    def time(self, label, call, arguments, plan=None):
        times, results = timed(call, arguments)
        self.figures[label] = {"runs": len(times), "p50": statistics.median(times), "p95": p95(times),
                               "found": statistics.median(results), "results": results}
        if plan is not None:
            self.plans[label] = explain(plan, self.backend)
        print(f"  {self.backend:10} {label:40} p50 {self.figures[label]['p50'] * 1000:8.2f} ms  "
              f"p95 {self.figures[label]['p95'] * 1000:8.2f} ms  "
              f"({len(times)} runs, median {statistics.median(results):,.0f} found)")


def check(terms, expected):
    """Refuse to time a search that finds other licences than the rules say it should."""
    for (kind, term), count in expected.items():
        found = Licence.search(q=term).count()
        if found != count:
            raise RuntimeError(f"search {kind} {term!r} finds {found} licences, not the {count} expected")


def measure_backend(backend, terms, expected, queue_authorities, largest):
    """Every query's figures on the open database."""
    m = Measurer(backend)
    m.time("SELECT 1", lambda _: db.execute_sql("SELECT 1").fetchone() and 0, [None])
    check(terms, expected)
    for kind, arguments in terms.items():
        m.time(f"search: {kind}", search_page, arguments, Licence.search(q=arguments[0]).paginate(1, 50))
    m.time("register, no search term", search_page, [None], Licence.search().paginate(1, 50))
    for sort in QUEUE_SORTS:
        m.time(f"queue: by {sort}", queue_page(sort), queue_authorities)
        m.time(f"queue: by {sort}, largest", queue_page(sort), [largest],
               review_queue(largest, sort=sort).paginate(1, 50))
    return m


def run_backend(backend, url, tables, terms, expected, queue_authorities, largest):
    db.initialize(open_database(url))
    with db.connection_context():
        if backend == "postgresql":
            db.execute_sql("DROP SCHEMA public CASCADE")
            db.execute_sql("CREATE SCHEMA public")
        migration_runner().up()
        started = time.perf_counter()
        (load_sqlite if backend == "sqlite" else load_postgres)(tables)
        load = time.perf_counter() - started
        print(f"  {backend:10} loaded in {load:.1f} s")
        app = Flask(__name__)
        app.config["PER_PAGE"] = 50  # the product's default page size
        with app.test_request_context("/"):
            measured = measure_backend(backend, terms, expected, queue_authorities, largest)
    measured.figures["load s"] = load
    return measured


# --- report -------------------------------------------------------------------------------------------

def run():
    started = time.perf_counter()
    load = os.getloadavg()[0]
    tables = generate()
    generated = time.perf_counter() - started
    counts = {model.__name__: len(rows) for model, (_, rows) in tables.items()}
    print(f"Generated {counts} in {generated:.1f} s")
    rng = random.Random(7)
    terms = search_terms(tables, rng)
    expected = expected_counts(tables, terms)
    authority_of = {row[0]: row[4] for row in tables[Licence][1]}
    queue_of = {}
    for row in tables[Flag][1][:OPEN_FLAGS]:
        queue_of.setdefault(authority_of[row[1]], set()).add(row[1])
    authorities = [row[0] for row in tables[Organisation][1] if row[2] == "licensing"]
    queue_authorities = [rng.choice(authorities) for _ in range(200)]
    largest = max(queue_of, key=lambda a: len(queue_of[a]))
    largest_licences = sum(1 for a in authority_of.values() if a == largest)

    measured = {}
    with tempfile.TemporaryDirectory(prefix="bench-licensing-") as tmp:
        measured["sqlite"] = run_backend("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", tables, terms, expected,
                                         queue_authorities, largest)
    create_pg_database()
    pg_url = f"postgresql://{POSTGRES['user']}@{POSTGRES['host']}:{POSTGRES['port']}/{PG_DATABASE}"
    measured["postgresql"] = run_backend("postgresql", pg_url, tables, terms, expected, queue_authorities, largest)
    for label, figures in measured["sqlite"].figures.items():
        if label.startswith(("search", "register", "queue")):
            # Both cycle through the same arguments; each ran as many times as its time allowed.
            before, after = figures["results"], measured["postgresql"].figures[label]["results"]
            if before[:len(after)] != after[:len(before)]:
                raise RuntimeError(f"{label}: SQLite and PostgreSQL count different rows")
    run.plans = {backend: m.plans for backend, m in measured.items()}  # for a caller who wants the plans
    sizes = sorted(len(queue) for queue in queue_of.values())
    return report(counts, generated, {b: m.figures for b, m in measured.items()}, sizes, largest_licences,
                  len(expected), load, time.perf_counter() - started)


def report(counts, generated, figures, sizes, largest_licences, checked, load, elapsed):
    sqlite, pg = figures["sqlite"], figures["postgresql"]

    def cells(of, key):
        f = of[key]
        over = " ✗" if f["p95"] * 1000 > GOAL_MS else ""
        return f"{f['p50'] * 1000:.1f} | {f['p95'] * 1000:.1f}{over} | {f['p50'] / of['SELECT 1']['p50']:,.0f}"

    keys = [k for k in pg if k not in ("SELECT 1", "load s")]
    lines = [
        "## Licensing: register search and review queue",
        "",
        f"A generated fictional register: {counts['Organisation'] - 6} licensing authorities of Zipf-like sizes, "
        f"{counts['Licence']:,} licences, {counts['Person']:,} people, {counts['Vehicle']:,} vehicles, "
        f"{counts['Flag']:,} flags ({OPEN_FLAGS:,} open), {counts['Recommendation']:,} recommendations "
        f"({counts['Decision']:,} decided). A review queue holds {sizes[0]:,} to {sizes[-1]:,} licences "
        f"(median {statistics.median(sizes):,.0f}); the largest authority issued {largest_licences:,} licences. "
        f"Generated in {generated:.0f} s; loaded into migrated SQLite (executemany, one transaction, the name search "
        f"triggers filling its FTS5 table) in {sqlite['load s']:.0f} s and into PostgreSQL 15 (COPY, then VACUUM "
        f"ANALYZE) in {pg['load s']:.0f} s.",
        "",
        "Each row times the product's own query as its page and the API run it, in process: `core.web.paginate` "
        "(the COUNT and the first 50 rows) over `Licence.search(q=...)` or `review_queue(authority, sort=...)`, "
        "plus `open_recommendations()` of the page for the queue. Search terms vary from run to run: full names, "
        "surnames and 4-6 letter fragments of names that exist, licence numbers (half typed in lower case), "
        "registrations typed four ways (\"ab12 cde\", \"AB12CDE\", \"AB12 CDE\", \"Ab12-Cde\"). Queues are those "
        "of 200 random authorities, and of the largest. Before timing, "
        f"{checked} of the terms were checked to find exactly the licences the matching rules give (worked out in "
        "Python from the generated rows), and every row's counts are the same on both backends. Each query runs "
        f"at least {MIN_RUNS} times (and for {SECONDS_PER_QUERY} s, up to {MAX_RUNS}) after {WARM_UP} warm-up runs. "
        "\"× SELECT 1\" is the median over SELECT 1's median on the same connection in the same run. "
        f"✗: p95 over the {GOAL_MS} ms goal. Found: median COUNT.",
        "",
        "| Query | SQLite p50 ms | SQLite p95 ms | SQLite × SELECT 1 | PostgreSQL p50 ms | PostgreSQL p95 ms "
        "| PostgreSQL × SELECT 1 | Found |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
        *[f"| {key} | {cells(sqlite, key)} | {cells(pg, key)} | {sqlite[key]['found']:,.0f} |" for key in keys],
        "",
        f"SELECT 1: SQLite {sqlite['SELECT 1']['p50'] * 1e6:.0f} µs, PostgreSQL {pg['SELECT 1']['p50'] * 1e6:.0f} µs "
        f"(median). Whole run {elapsed / 60:.1f} min; 1-minute load average as the run began {load:.2f} (anything "
        "else on the machine shares its cores).",
    ]
    return "\n".join(lines)


def main():
    """Run this benchmark alone; at full scale, rewrite only its section of BENCHMARKS.md."""
    from bench.__main__ import run_alone
    run_alone(sys.modules[__name__], full_scale=SCALE == 1)
    for backend, plans in run.plans.items():
        for label, plan in plans.items():
            print(f"\n{backend} {label}:\n{plan}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
