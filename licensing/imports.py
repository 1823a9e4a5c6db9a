"""The licence register import: reading an authority's CSV register, checking every row, writing each valid row whole.

One code path serves the upload page (through an rq job) and `flask import-licences` (inline): create_run()
stores the file in a LicenceImport row, run() does the work and keeps its progress in that row.

What a row does:
- a licence number new to the authority's register creates the licence through workflow.create_licence (its
  first history entry and audit say which import and line it came from), with a status of IMPORTABLE_STATUSES;
- a licence already in the register is updated: dates, vehicle, operator, conditions and DBS fields take the
  file's value, the holder gains the file's new aliases, and the vehicle's empty make, model or colour are
  filled in. An empty cell never clears anything. The status is never changed (only workflow.change_status
  does that): a different status in the file is reported as a notice. A different kind or holder is an error;
- a row that matches the register exactly is "unchanged" and writes nothing, so importing a file twice
  changes nothing the second time.
A row with any error writes nothing: each row is written inside its own savepoint (holder, vehicle and licence
together), and batches of rows commit together with the run's progress.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from peewee import IntegrityError
from redis.exceptions import RedisError

from core import audit
from core.csvfile import FileProblem, decode, read_rows  # noqa: F401  decode: the upload page and command use it
from core.db import db
from core.errors import Invalid, WorkflowError
from core.queue import enqueue
from core.timeutil import london_today, utcnow
from followups import periodic_check
from licensing import workflow
from licensing.import_models import STALE_AFTER, LicenceImport, LicenceImportProblem
from licensing.models import DRIVER_KINDS, LICENCE_KINDS, LICENCE_STATUSES, Licence
from records import workflow as records_workflow
from records.models import Person, Vehicle
from records.normalise import registration, registration_problem

REQUIRED_COLUMNS = ("licence_number", "kind", "status", "holder_name", "holder_date_of_birth")
OPTIONAL_COLUMNS = ("holder_aliases", "granted_on", "expires_on", "vehicle_registration", "vehicle_make",
                    "vehicle_model", "vehicle_colour", "operator_licence_number", "conditions", "dbs_checked_on",
                    "dbs_update_service")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# A licence enters the register by import as it stands today. Revoked, refused and surrendered are decisions
# with reasons and notices of their own: they are recorded through the workflow, never by a file.
IMPORTABLE_STATUSES = ("applied", "granted", "suspended", "expired")
VEHICLE_KINDS = ("hackney_vehicle", "phv_vehicle")
# The fields of an existing licence the file may update, in the order a change is reported.
UPDATABLE = ("granted_on", "expires_on", "vehicle", "operator", "conditions", "dbs_checked_on", "dbs_update_service")
LENGTHS = {"licence_number": 40, "holder_name": 200, "vehicle_make": 60, "vehicle_model": 60, "vehicle_colour": 30,
           "operator_licence_number": 40, "conditions": 5000}
YES = ("yes", "y", "true", "1")
NO = ("no", "n", "false", "0")

UPLOAD_LIMIT = 20 * 1024 * 1024
BATCH_ROWS = 200  # rows per transaction: progress shows after each batch commits
KEEP_DRY_RUN_FILE = timedelta(days=1)  # long enough to read the problems and press "Import these rows now"
JOB = "licensing.jobs.run_import"
JOB_TIMEOUT = 3 * 3600


today = london_today  # a module attribute, so tests can stand on a given day


# -- reading the file -------------------------------------------------------------------------------------

def read_register(text):
    """The file's rows as [(line, {column: cell})]; line is where the row starts (the header is line 1).

    Raises FileProblem when the file as a whole is unusable.
    """
    return read_rows(text, REQUIRED_COLUMNS, OPTIONAL_COLUMNS, "licences")[1]


def parse_date(text):
    """A date written 2026-11-22 or 22/11/2026."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            pass
    raise ValueError(f"'{text}' is not a date: write it as 2026-11-22 or 22/11/2026.")


def person_key(name, date_of_birth):
    """Holders are the same person when name (ignoring case and spacing) and date of birth agree."""
    return " ".join(name.split()).casefold(), date_of_birth


@dataclass
class Row:
    """One row of the file, read and checked on its own, before anything is looked up."""

    line: int
    number: str = ""
    kind: str = ""
    status: str = ""
    holder_name: str = ""
    date_of_birth: date | None = None
    aliases: list = field(default_factory=list)
    granted_on: date | None = None
    expires_on: date | None = None
    registration: str | None = None
    make: str | None = None
    model: str | None = None
    colour: str | None = None
    operator_number: str | None = None
    conditions: str | None = None
    dbs_checked_on: date | None = None
    dbs_update_service: bool | None = None
    errors: list = field(default_factory=list)  # (column or None, message)
    notices: list = field(default_factory=list)

    def fail(self, column, message):
        self.errors.append((column, message))


def parse_row(line, cells):
    """Read one row's cells into a Row, collecting every problem that needs no database to find."""
    row = Row(line=line)
    get = {name: " ".join((cells.get(name) or "").split()) for name in COLUMNS}  # spacing tidied
    get["conditions"] = (cells.get("conditions") or "").strip()  # conditions keep their line breaks
    if cells.get(None):
        row.fail(None, f"The row has {len(cells[None])} more cell(s) than the header has columns.")
    if (cells.get("") or "").strip():
        row.fail(None, "A cell under a column with no name in the header: name the column or empty the cell.")
    for name, limit in LENGTHS.items():
        if len(get[name]) > limit:
            row.fail(name, f"At most {limit} characters.")
    row.number = get["licence_number"].upper()
    if not row.number:
        row.fail("licence_number", "Give the licence number.")
    row.kind = get["kind"].lower()
    if row.kind not in LICENCE_KINDS:
        row.fail("kind", f"'{get['kind']}' is not a licence kind. Use one of: {', '.join(LICENCE_KINDS)}.")
    row.status = get["status"].lower()
    if row.status not in LICENCE_STATUSES:
        row.fail("status", f"'{get['status']}' is not a status. Use one of: {', '.join(LICENCE_STATUSES)}.")
    row.holder_name = get["holder_name"]
    if not row.holder_name:
        row.fail("holder_name", "Give the holder's name.")
    for name in ("holder_date_of_birth", "granted_on", "expires_on", "dbs_checked_on"):
        if get[name]:
            try:
                setattr(row, "date_of_birth" if name == "holder_date_of_birth" else name, parse_date(get[name]))
            except ValueError as error:
                row.fail(name, str(error))
    if row.date_of_birth and row.date_of_birth > today():
        row.fail("holder_date_of_birth", "A date of birth cannot be in the future.")
    if not get["holder_date_of_birth"] and row.kind in DRIVER_KINDS:
        row.fail("holder_date_of_birth", "Give the driver's date of birth: holders are matched on name and date "
                                         "of birth.")
    if row.dbs_checked_on and row.dbs_checked_on > today():
        row.fail("dbs_checked_on", "A DBS check cannot be in the future.")
    row.aliases = [alias.strip() for alias in get["holder_aliases"].split(";") if alias.strip()]
    if any(len(alias) > 200 for alias in row.aliases):
        row.fail("holder_aliases", "An alias has at most 200 characters.")
    if get["vehicle_registration"]:
        problem = registration_problem(get["vehicle_registration"])
        if problem:
            row.fail("vehicle_registration", problem)
        row.registration = registration(get["vehicle_registration"])
    elif row.kind in VEHICLE_KINDS:
        row.fail("vehicle_registration", "A vehicle licence needs the vehicle's registration.")
    row.make, row.model, row.colour = (get[name] or None for name in ("vehicle_make", "vehicle_model",
                                                                      "vehicle_colour"))
    row.operator_number = get["operator_licence_number"].upper() or None
    row.conditions = get["conditions"] or None
    answer = get["dbs_update_service"].lower()
    if answer:
        if answer in YES + NO:
            row.dbs_update_service = answer in YES
        else:
            row.fail("dbs_update_service", f"'{get['dbs_update_service']}' is not yes or no.")
    return row


# -- checking rows against the register, and writing them -------------------------------------------------

@dataclass
class Plan:
    """What one valid row will do: create, update or nothing ("unchanged")."""

    row: Row
    action: str
    holder: Person  # unsaved when the holder is new
    new_aliases: list
    vehicle: Vehicle | None  # unsaved when the vehicle is new
    vehicle_fill: dict  # the existing vehicle's empty details the file fills in
    operator: Licence | None
    licence: Licence | None = None  # the existing licence, for an update
    changes: dict = field(default_factory=dict)


class Importer:
    """Works through one run's rows. It caches holders, vehicles and the licences planned so far, so a dry run
    sees what the earlier rows of the same file would have written and reports what a real run would do."""

    def __init__(self, run):
        self.run = run
        self.user = run.started_by
        self.authority_id = run.authority_id
        self.people = {}  # person_key -> Person (unsaved for a holder the file adds)
        self.loaded_births = set()
        self.loaded_own_holders = False
        self.vehicles = {}  # registration -> Vehicle or None
        self.licences = {}  # licence number -> Licence in the register, for the batch at hand
        self.planned = {}  # licence number -> Licence the file creates (unsaved in a dry run)
        self.counts = dict(created=0, updated=0, unchanged=0, failed=0, notices=0)
        self.problems = []

    def load(self, rows):
        """Look up a batch's licences, vehicles and holders in a few queries rather than a few per row."""
        numbers = {row.number for row in rows} | {row.operator_number for row in rows if row.operator_number}
        self.licences = {licence.number: licence for licence in Licence.select().where(
            (Licence.authority == self.authority_id) & Licence.number.in_(sorted(numbers - set(self.planned))))}
        marks = {row.registration for row in rows if row.registration} - set(self.vehicles)
        self.vehicles.update({mark: None for mark in marks})
        self.vehicles.update({vehicle.registration: vehicle for vehicle in
                              Vehicle.select().where(Vehicle.registration.in_(sorted(marks)))})
        self.load_people(rows)

    # Holders with a date of birth are looked up by it; names then match in Python (person_key), ignoring
    # case and spacing. A holder without one can only be matched among this authority's own licence holders:
    # a bare name would otherwise attach a licence to any person of that name, a police nominal included.
    def load_people(self, rows):
        births = {row.date_of_birth for row in rows if row.date_of_birth} - self.loaded_births
        found = []
        if births:
            found.extend(Person.select().where(Person.date_of_birth.in_(sorted(births))).order_by(Person.id))
            self.loaded_births |= births
        if not self.loaded_own_holders and any(not row.date_of_birth for row in rows):
            found.extend(Person.select().join(Licence, on=(Licence.holder == Person.id)).where(
                (Licence.authority == self.authority_id) & Person.date_of_birth.is_null()).distinct()
                .order_by(Person.id))
            self.loaded_own_holders = True
        for person in found:
            self.people.setdefault(person_key(person.name, person.date_of_birth), person)
        for row in rows:  # looked for and absent: remember that too
            if not row.date_of_birth and row.holder_name:
                self.people.setdefault(person_key(row.holder_name, None), None)

    def vehicle(self, mark):
        if mark not in self.vehicles:
            self.vehicles[mark] = Vehicle.get_or_none(Vehicle.registration == mark)
        return self.vehicles[mark]

    def licence(self, number):
        return self.planned.get(number) or self.licences.get(number)

    def plan(self, row):
        """Check row against the register; a Plan, or None with row.errors filled in."""
        holder = self.people.get(person_key(row.holder_name, row.date_of_birth))
        vehicle = self.vehicle(row.registration) if row.registration else None
        operator = None
        if row.operator_number:
            operator = self.licence(row.operator_number)
            if operator is None:
                row.fail("operator_licence_number", f"No licence {row.operator_number} in your register or in "
                                                    "this file: add the operator's licence first.")
            elif operator.kind != "phv_operator":
                row.fail("operator_licence_number", f"Licence {row.operator_number} is a "
                                                    f"{operator.kind_label.lower()} licence, not an operator's.")
        licence = self.licences.get(row.number)  # never one planned here: a number on two rows is refused
        if licence is None and row.status not in IMPORTABLE_STATUSES:
            row.fail("status", f"A new licence can be imported as {', '.join(IMPORTABLE_STATUSES)}. A {row.status} "
                               "licence is recorded through a status change, with its reasons.")
        if licence is not None:
            if licence.kind != row.kind:
                row.fail("kind", f"Your register has licence {row.number} as a {licence.kind}; the kind of a "
                                 "licence cannot change.")
            if holder is None or holder.id != licence.holder_id:
                current = licence.holder
                born = f", born {current.date_of_birth:%d/%m/%Y}" if current.date_of_birth else ""
                row.fail("holder_name", f"Your register has licence {row.number} held by {current.name}{born}. "
                                        "A licence does not change holder: check the name and date of birth.")
        granted = row.granted_on or (licence.granted_on if licence else None)
        expires = row.expires_on or (licence.expires_on if licence else None)
        if granted and expires and expires <= granted:
            row.fail("expires_on", "A licence expires after it is granted.")
        if row.errors:
            return None
        known = {alias.casefold() for alias in (holder.alias_list if holder else [])}
        known.add(row.holder_name.casefold())
        new_aliases = [alias for alias in dict.fromkeys(row.aliases) if alias.casefold() not in known]
        vehicle_fill = {name: value for name, value in (("make", row.make), ("model", row.model),
                                                        ("colour", row.colour))
                        if vehicle is not None and value and not getattr(vehicle, name)}
        plan = Plan(row=row, action="create", holder=holder, new_aliases=new_aliases, vehicle=vehicle,
                    vehicle_fill=vehicle_fill, operator=operator)
        if holder is None:
            plan.holder = Person(name=row.holder_name, date_of_birth=row.date_of_birth, aliases="\n".join(row.aliases))
            plan.new_aliases = []
        if row.registration and vehicle is None:
            plan.vehicle = Vehicle(registration=row.registration, make=row.make, model=row.model, colour=row.colour)
        if licence is not None:
            plan.licence = licence
            plan.changes = self.changes(licence, row, plan)
            plan.action = "update" if plan.changes or new_aliases or vehicle_fill else "unchanged"
            if row.status != licence.status:
                row.notices.append(("status", f"Your register has this licence as {licence.status}; the file says "
                                              f"{row.status}. An import never changes a status: if the file is "
                                              "right, change it on the licence page, with the reason."))
        return plan

    @staticmethod
    def changes(licence, row, plan):
        """The existing licence's fields the file changes; an empty cell changes nothing."""
        wanted = {"granted_on": row.granted_on, "expires_on": row.expires_on, "conditions": row.conditions,
                  "dbs_checked_on": row.dbs_checked_on, "dbs_update_service": row.dbs_update_service,
                  "vehicle": plan.vehicle, "operator": plan.operator}
        changes = {}
        for name in UPDATABLE:
            value = wanted[name]
            if value is None:
                continue
            current = getattr(licence, f"{name}_id") if name in ("vehicle", "operator") else getattr(licence, name)
            if (value.id if name in ("vehicle", "operator") else value) != current:
                changes[name] = value
        return changes

    def remember(self, plan):
        """Let later rows see what this one does (in a dry run, what it would do)."""
        row = plan.row
        self.people[person_key(row.holder_name, row.date_of_birth)] = plan.holder
        if plan.new_aliases:
            plan.holder.aliases = "\n".join(plan.holder.alias_list + plan.new_aliases)
        if plan.vehicle is not None:
            for name, value in plan.vehicle_fill.items():
                setattr(plan.vehicle, name, value)
            self.vehicles[row.registration] = plan.vehicle
        if plan.action == "create":
            self.planned[row.number] = plan.licence or Licence(kind=row.kind, number=row.number)

    def write(self, plan):
        """Write one planned row: holder, vehicle and licence together, or (on any failure) none of them."""
        row, user, where = plan.row, self.user, f"import {self.run.id}, line {plan.row.line}"
        with db.atomic():
            holder = plan.holder
            if holder.id is None:
                holder = plan.holder = records_workflow.create_person(user, row.holder_name, row.date_of_birth,
                                                                      row.aliases)
            elif plan.new_aliases:
                aliases = "\n".join(holder.alias_list + plan.new_aliases)
                Person.update(aliases=aliases).where(Person.id == holder.id).execute()
                audit.record("person.update", holder, user=user, reason=f"aliases added by licence {where}")
            vehicle = plan.vehicle
            if vehicle is not None and vehicle.id is None:
                vehicle = plan.vehicle = records_workflow.create_vehicle(user, row.registration, row.make, row.model,
                                                                         row.colour)
            elif plan.vehicle_fill:
                Vehicle.update(**plan.vehicle_fill).where(Vehicle.id == vehicle.id).execute()
                audit.record("vehicle.update", vehicle, user=user,
                             reason=f"{', '.join(plan.vehicle_fill)} added by licence {where}")
            if plan.action == "create":
                plan.licence = workflow.create_licence(
                    user, kind=row.kind, number=row.number, holder=holder, authority=self.authority_id,
                    status=row.status, granted_on=row.granted_on, expires_on=row.expires_on, vehicle=vehicle,
                    operator=plan.operator, conditions=row.conditions or "", dbs_checked_on=row.dbs_checked_on,
                    dbs_update_service=bool(row.dbs_update_service),
                    reason=f"Imported from {self.run.filename} ({where})")
            elif plan.changes:
                changes = {name: vehicle if name == "vehicle" else value for name, value in plan.changes.items()}
                Licence.update(**changes).where(Licence.id == plan.licence.id).execute()
                audit.record("licence.update", plan.licence, user=user,
                             reason=f"{', '.join(changes)} changed by licence {where}")

    def process(self, rows):
        """Check, and unless this is a dry run write, each row; then note its outcome."""
        for row in rows:
            plan = None if row.errors else self.plan(row)
            if plan is not None and not self.run.dry_run and plan.action != "unchanged":
                try:
                    self.write(plan)
                except (IntegrityError, Invalid, WorkflowError) as error:
                    detail = "; ".join(error.fields.values()) if isinstance(error, Invalid) else str(error)
                    row.fail(None, f"The row could not be saved ({detail}); nothing of it was written. "
                                   "Run the import again.")
                    plan = None  # the cache learns only from rows written, so it needs no undoing
            if plan is None:
                self.counts["failed"] += 1
            else:
                self.remember(plan)
                self.counts[plan.action if plan.action == "unchanged" else plan.action + "d"] += 1
                self.counts["notices"] += bool(row.notices)
            for severity, found in (("error", row.errors), ("notice", row.notices)):
                self.problems += [dict(run=self.run.id, line=row.line, licence_number=row.number[:40], field=column,
                                       severity=severity, message=message) for column, message in found]


def refuse_duplicates(rows):
    """A licence number given on more than one row: none of those rows is imported, as it is unclear which
    one is right."""
    lines = {}
    for row in rows:
        if row.number:
            lines.setdefault(row.number, []).append(row.line)
    for row in rows:
        if len(lines.get(row.number, ())) > 1:
            others = ", ".join(str(line) for line in lines[row.number] if line != row.line)
            row.fail("licence_number", f"Licence {row.number} is also on line(s) {others}: give each licence once.")


# -- runs ---------------------------------------------------------------------------------------------------

def busy_run(authority_id):
    """A real import of this authority's register that is waiting or running (and not abandoned), or None."""
    recent = utcnow() - STALE_AFTER
    return (LicenceImport.select(LicenceImport.id)
            .where((LicenceImport.authority == authority_id) & ~LicenceImport.dry_run
                   & (((LicenceImport.status == "queued") & (LicenceImport.created_at > recent))
                      | ((LicenceImport.status == "running") & (LicenceImport.heartbeat_at > recent))))
            .first())


def create_run(authority, user, filename, text, dry_run):
    """Store a register file as a new import run for authority; run() (or the job) then does the work."""
    if authority.kind != "licensing":
        raise Invalid({"authority": f"{authority.name} is not a licensing authority."},
                      "Licences are imported into a licensing authority's register.")
    if not dry_run:
        running = busy_run(authority.id)
        if running is not None:
            raise Invalid({"file": f"Import {running.id} of your register is still running: wait for it to finish."},
                          "Another import is running.")
    with db.atomic():
        return LicenceImport.create(authority=authority, started_by=user, filename=filename[:255], content=text,
                                    dry_run=dry_run)


def start(run):
    """Queue the job that runs the import. With Redis unreachable the run is marked failed, to try again later."""
    try:
        enqueue(JOB, run.id, job_id=f"licence-import-{run.id}", job_timeout=JOB_TIMEOUT)
    except RedisError:
        # The file holds names and dates of birth: a run that never started keeps no copy of it.
        LicenceImport.update(status="failed", finished_at=utcnow(), content="",
                             error="The job queue could not be reached, so the import did not start. "
                                   "Try again in a few minutes.").where(LicenceImport.id == run.id).execute()
        return False
    return True


def _claim(import_id):
    """Take the run for this worker: a queued one, or a running one whose worker fell silent (rq delivers a job
    at least once). Starting again is safe: rows already written are found unchanged."""
    now = utcnow()
    with db.atomic():
        taken = (LicenceImport.update(status="running", started_at=now, heartbeat_at=now, processed_rows=0, created=0,
                                      updated=0, unchanged=0, failed=0, notices=0, error=None)
                 .where((LicenceImport.id == import_id)
                        & ((LicenceImport.status == "queued")
                           | ((LicenceImport.status == "running") & (LicenceImport.heartbeat_at < now - STALE_AFTER))))
                 .execute())
        if taken:
            LicenceImportProblem.delete().where(LicenceImportProblem.run == import_id).execute()
    return LicenceImport.get_by_id(import_id) if taken else None


def summary(run):
    """One line saying what a run did (or, for a dry run, would do)."""
    if run.status == "refused":
        return f"The file was refused: {run.error}"
    if run.status == "failed":
        return f"The import failed: {run.error}"
    if run.status == "queued":
        return "Waiting for a worker to start it."
    if run.stalled:
        return (f"The import stopped after {run.processed_rows} of {run.total_rows} rows: its worker seems to have "
                "stopped. Rows written stay written; import the file again to complete it.")
    would = "would be " if run.dry_run else ""
    text = (f"{run.processed_rows} of {run.total_rows} row(s) read: {run.created} {would}created, {run.updated} "
            f"{would}updated, {run.unchanged} unchanged, {run.failed} not imported because of errors")
    if run.notices:
        text += f", {run.notices} with a notice"
    return ("Dry run, nothing written. " if run.dry_run else "") + text + "."


def _finish(run, **fields):
    fields.update(finished_at=utcnow())
    if not run.dry_run:
        fields["content"] = ""  # the licences hold what the file held; the copy is not kept
    with db.atomic():
        LicenceImport.update(**fields).where(LicenceImport.id == run.id).execute()
        finished = LicenceImport.get_by_id(run.id)
        audit.record("licence.import", finished, user=run.started_by,
                     reason=f"{finished.filename}: {summary(finished)}")
    return finished


def run(import_id):
    """Run import import_id: every row checked, each valid row written unless it is a dry run, progress and
    problems kept in the database. What the rq job and the command line both call. Returns the run."""
    current = _claim(import_id)
    if current is None:
        return LicenceImport.get_by_id(import_id)  # finished already, or another worker has it
    try:
        try:
            cells = read_register(current.content)
        except FileProblem as problem:
            return _finish(current, status="refused", error=str(problem))
        LicenceImport.update(total_rows=len(cells)).where(LicenceImport.id == current.id).execute()
        current.total_rows = len(cells)
        rows = [parse_row(line, row) for line, row in cells]
        refuse_duplicates(rows)
        # Operators first, so a driver's operator_licence_number finds its operator wherever it sits in the file.
        rows.sort(key=lambda row: row.kind != "phv_operator")
        importer = Importer(current)
        for start_at in range(0, len(rows), BATCH_ROWS):
            batch = rows[start_at:start_at + BATCH_ROWS]
            importer.load([row for row in batch if not row.errors])
            with db.atomic():
                importer.process(batch)
                if importer.problems:
                    LicenceImportProblem.insert_many(importer.problems).execute()
                    importer.problems = []
                LicenceImport.update(processed_rows=start_at + len(batch), heartbeat_at=utcnow(),
                                     **importer.counts).where(LicenceImport.id == current.id).execute()
        current = LicenceImport.get_by_id(current.id)
        return _finish(current, status="done")
    except Exception as error:
        _finish(current, status="failed", error=f"{type(error).__name__}: {error}. Rows written before it stay "
                                                "written; running the file again completes it.")
        raise


def first_problems(run, limit=50):
    return list(run.problems.order_by(LicenceImportProblem.line, LicenceImportProblem.id).limit(limit))


def import_file(authority, user, filename, text, dry_run=False):
    """Store and run an import inline (the command line): the same path the job takes."""
    return run(create_run(authority, user, filename, text, dry_run).id)


@periodic_check
def forget_dry_run_files():
    """Clear the copy of the file a dry run keeps once it is a day old: it holds names and dates of birth."""
    return (LicenceImport.update(content="")
            .where(LicenceImport.dry_run & (LicenceImport.content != "")
                   & (LicenceImport.finished_at < utcnow() - KEEP_DRY_RUN_FILE))
            .execute())
