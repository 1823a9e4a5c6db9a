"""Records that need a location: the registry of locatable kinds, their location requests, the background work that
geocodes them, the sweep that retries, the "needs a location" list and placing a record by hand.

A domain makes a model locatable with register_locatable(kind, model, address=..., postcode=..., ...): which columns
hold its address, postcode and (optionally) UPRN, how to name and link to a record, and who may see it. The model
carries the location slot every locatable kind shares, four columns: lat, lon, location_precision and
location_source (as Premises and IntelligenceEntry do in records/models.py). Inside the transaction that saves an
address, the domain calls request_location(record); records does that through its address_saved signal, which this
module receives. The request is a LocationTask row written in that same transaction; once it commits, an rq job
(hotspots.jobs.locate, on the low-priority "geocoding" queue) runs the chain in hotspots.geocoding. Saving never
waits for geocoding and never fails because of it.

Nothing is lost: the periodic sweep (sweep(), run with the follow-ups' sweep) queues every request whose time has
come: one saved while Redis was down, one retrying after an outage (with backoff from a minute to six hours), one
whose job was lost, and records that have an address but no request at all (saved before geocoding existed).
"""
import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial, reduce
from operator import or_
from typing import Callable

from flask import has_app_context
from peewee import DatabaseError, Field, fn
from redis.exceptions import RedisError
from rq import Queue

from core import audit
from core.db import db
from core.errors import Invalid
from core.queue import queue
from core.timeutil import utcnow
from hotspots import geocoding
from hotspots.geocoding import AddressQuery, GeocodingUnavailable
from hotspots.models import NEEDS_LOCATION, LocationTask
from records import intelligence, links, normalise
from records.models import IntelligenceEntry, Premises
from records.signals import address_saved

log = logging.getLogger(__name__)

SLOT = ("lat", "lon", "location_precision", "location_source")
JOB = "hotspots.jobs.locate"
QUEUE = "geocoding"
# A queued request is queued again this long after, in case its job was lost (a worker killed, Redis flushed). Long
# enough that a backlog waiting on the online geocoder's rate limit is not queued twice.
QUEUED_FOR = timedelta(hours=1)
SWEEP_BATCH = 500  # requests one sweep queues (and records without one it finds), so a sweep stays short
FIRST_BACKOFF_SECONDS = 60
MAX_BACKOFF_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Locatable:
    """A kind of record that can be geocoded. visible(user) and open(user) return queries of the model: the
    records user may see, and those whose address user may read without giving a reason (default: every record,
    and the visible ones). read(record, user, reason) audits opening one record's address; listed(ids, user, where)
    audits a list that shows these records' addresses. names are more fields a search of the list matches (the
    address and postcode always are)."""

    kind: str
    model: type
    noun: str
    address: Field
    postcode: Field | None = None
    uprn: Field | None = None
    title: Callable = str
    url: Callable | None = None
    visible: Callable | None = None
    open: Callable | None = None
    read: Callable | None = None
    listed: Callable | None = None
    names: tuple = ()

    def query(self, record):
        """What the chain is asked for this record."""
        def value(field):
            return getattr(record, field.name) if field is not None else None
        return AddressQuery(value(self.address) or "", value(self.postcode), value(self.uprn))

    def visible_to(self, user):
        return self.visible(user) if self.visible else self.model.select()

    def open_to(self, user):
        return self.open(user) if self.open else self.visible_to(user)

    def needs_reason(self, record, user):
        """Whether user must give a reason before this record's address is shown to them."""
        return not self.open_to(user).where(self.model.id == record.id).exists()

    def has_address(self):
        """The condition "the record holds something to geocode", as SQL."""
        condition = self.address != ""
        return condition | self.postcode.is_null(False) if self.postcode is not None else condition

    @property
    def record_type(self):
        """The name the audit log uses for this kind's records (the table's)."""
        return self.model._meta.table_name


_registry = {}


def register_locatable(kind, model, *, noun, address, postcode=None, uprn=None, title=str, url=None, visible=None,
                       open=None, read=None, listed=None, names=()):
    """Declare model as locatable under kind ("premises"); see Locatable. Returns the Locatable."""
    missing = [name for name in SLOT if name not in model._meta.fields]
    if missing:
        raise TypeError(f"{model.__name__} has no location slot: add {', '.join(missing)}.")
    _registry[kind] = Locatable(kind, model, noun, address, postcode, uprn, title, url, visible, open, read, listed,
                                tuple(names))
    return _registry[kind]


def locatable(kind):
    return _registry.get(kind)


def locatables():
    return list(_registry.values())


def locatable_for(record):
    return next((entry for entry in _registry.values() if isinstance(record, entry.model)), None)


def backoff_seconds(attempts):
    """How long a record waits after `attempts` failed tries: a minute, doubling, at most six hours."""
    return min(FIRST_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


# -- asking for a location ---------------------------------------------------------------------------------------

def request_location(record):
    """Ask for record to be geocoded once the caller's transaction commits (call it inside that transaction).

    A location a person placed by hand is kept. Any other location is cleared, since the address it was found for
    has just been saved anew. A failure here is logged and never undoes the caller's save: the sweep finds the
    record later."""
    entry = locatable_for(record)
    if entry is None or record.location_precision == "manual":
        return
    now = utcnow()
    try:
        with db.atomic():  # a savepoint inside the caller's transaction
            if entry.query(record).empty:
                LocationTask.delete().where((LocationTask.record_type == entry.kind)
                                            & (LocationTask.record_id == record.id)).execute()
                return
            if record.lat is not None:
                entry.model.update({name: None for name in SLOT}).where(entry.model.id == record.id).execute()
            fields = {"status": "waiting", "attempts": 0, "next_attempt_at": now + QUEUED_FOR, "last_error": None,
                      "updated_at": now}
            LocationTask.insert(record_type=entry.kind, record_id=record.id, created_at=now, **fields).on_conflict(
                conflict_target=[LocationTask.record_type, LocationTask.record_id],
                update={getattr(LocationTask, name): value for name, value in fields.items()}).execute()
    except DatabaseError:
        log.exception("Could not ask for %s %s to be geocoded; the sweep will find it", entry.kind, record.id)
        return
    db.after_commit(partial(_enqueue_after_commit, [(entry.kind, record.id)]))


@address_saved.connect
def _address_saved(record, **_):
    request_location(record)


def _enqueue_after_commit(refs):
    # Runs inside peewee's commit: an exception here would reach the caller of a save that has committed.
    try:
        enqueue(refs)
    except Exception:
        log.exception("Could not queue geocoding of %s; the sweep will", refs)


def enqueue(refs):
    """Queue a job per (kind, record id); returns how many. With Redis unreachable, or no app to reach it through (a
    script writing records directly), the requests are left due for the next sweep instead."""
    refs = list(dict.fromkeys(refs))
    if not refs:
        return 0
    if has_app_context():
        try:
            queue(QUEUE).enqueue_many([Queue.prepare_data(JOB, ref, timeout=300, result_ttl=0) for ref in refs])
            return len(refs)
        except RedisError as error:
            log.warning("Could not queue geocoding of %s records (%s); the sweep will", len(refs), error)
    for kind in {kind for kind, _ in refs}:
        LocationTask.update(next_attempt_at=utcnow()).where(
            (LocationTask.record_type == kind) & (LocationTask.status == "waiting")
            & LocationTask.record_id.in_([record_id for other, record_id in refs if other == kind])).execute()
    return 0


# -- the background work -----------------------------------------------------------------------------------------

def _task_update(task, **fields):
    """Change a request that still needs a location (never one located or placed meanwhile)."""
    fields["updated_at"] = utcnow()
    return LocationTask.update(**fields).where((LocationTask.id == task.id)
                                               & LocationTask.status.in_(NEEDS_LOCATION)).execute()


def locate_record(kind, record_id):
    """Geocode one record: what the job runs, safe to run any number of times. Returns what happened: "located",
    "not_found", "retrying" (an outage: tried again after a backoff), or "skipped" (nothing to do)."""
    task = LocationTask.get_or_none((LocationTask.record_type == kind) & (LocationTask.record_id == record_id))
    if task is None or task.status not in NEEDS_LOCATION:
        return "skipped"
    entry = locatable(kind)
    record = entry.model.get_or_none(entry.model.id == record_id) if entry else None
    query = entry.query(record) if record is not None else None
    if query is None or query.empty:
        task.delete_instance()  # the record is gone, or holds no address any more
        return "skipped"
    if record.lat is not None:
        _task_update(task, status="located" if record.location_precision != "manual" else "placed")
        return "skipped"
    now = utcnow()
    try:
        found = geocoding.locate(query, subject=(entry.record_type, record.id))
    except GeocodingUnavailable as error:
        attempts = task.attempts + 1
        _task_update(task, attempts=attempts, last_error=str(error)[:1000],
                     next_attempt_at=now + timedelta(seconds=backoff_seconds(attempts)))
        log.warning("Geocoding %s %s failed (attempt %s), will retry: %s", kind, record_id, attempts, error)
        return "retrying"
    if found is None:
        online = f"nor by {geocoding.describe_service()}" if geocoding.online_enabled() \
            else "and the online geocoder is off"
        _task_update(task, status="not_found", attempts=task.attempts + 1,
                     last_error=f"Neither the address nor the postcode is in the gazetteer, {online}.")
        return "not_found"
    with db.atomic():
        if _task_update(task, status="located", attempts=task.attempts + 1, last_error=None):
            entry.model.update(lat=found.lat, lon=found.lon, location_precision=found.precision,
                               location_source=found.source).where(
                (entry.model.id == record.id) & entry.model.lat.is_null()).execute()
    return "located"


def sweep(now=None):
    """Queue the requests whose time has come, first writing requests for records with an address and no location
    that have none. Runs on every follow-ups sweep (app.py registers it). Returns what it did."""
    now = now or utcnow()
    found = 0
    for entry in locatables():
        has_task = LocationTask.select(LocationTask.id).where((LocationTask.record_type == entry.kind)
                                                              & (LocationTask.record_id == entry.model.id))
        ids = [row_id for row_id, in entry.model.select(entry.model.id).where(
            entry.model.lat.is_null() & entry.has_address() & ~fn.EXISTS(has_task))
            .order_by(entry.model.id).limit(SWEEP_BATCH).tuples()]
        if ids:
            LocationTask.insert_many([{"record_type": entry.kind, "record_id": record_id, "next_attempt_at": now,
                                       "created_at": now, "updated_at": now} for record_id in ids]
                                     ).on_conflict_ignore().execute()
            found += len(ids)
    due = list(LocationTask.select(LocationTask.id, LocationTask.record_type, LocationTask.record_id)
               .where((LocationTask.status == "waiting") & (LocationTask.next_attempt_at <= now))
               .order_by(LocationTask.next_attempt_at, LocationTask.id).limit(SWEEP_BATCH))
    if due:
        # Marked queued first: a crash between the two only delays the next try.
        LocationTask.update(next_attempt_at=now + QUEUED_FOR).where(
            LocationTask.id.in_([task.id for task in due])).execute()
        enqueue([(task.record_type, task.record_id) for task in due])
    return {"found": found, "queued": len(due)}


def retry_not_found():
    """Give every record no geocoder found another try (the gazetteer gained addresses, or the online geocoder was
    switched on); the next sweep queues them. Returns how many."""
    return LocationTask.update(status="waiting", next_attempt_at=utcnow(), updated_at=utcnow()).where(
        LocationTask.status == "not_found").execute()


# -- placing a record by hand ------------------------------------------------------------------------------------

def place_problems(lat, lon):
    """Why (lat, lon) cannot be a record's location, as {field: message}."""
    if lat is None or lon is None:
        return {"lat": "Click the map where the place is, or give its latitude and longitude."}
    if not geocoding.in_uk(lat, lon):
        return {"lat": f"That point ({lat:.5f}, {lon:.5f}) is outside the United Kingdom "
                       f"({geocoding.UK_BOUNDS_TEXT}). Click the map where the place is."}
    return {}


def place(record, user, lat, lon):
    """A person places record at (lat, lon): precision and source "manual", audited, and no geocoder overwrites it."""
    problems = place_problems(lat, lon)
    if problems:
        raise Invalid(problems)
    entry = locatable_for(record)
    now = utcnow()
    before = record.lat is not None and f"{record.lat:.6f}, {record.lon:.6f} ({record.location_precision})"
    with db.atomic():
        entry.model.update(lat=lat, lon=lon, location_precision="manual", location_source="manual").where(
            entry.model.id == record.id).execute()
        fields = {"status": "placed", "last_error": None, "updated_at": now}
        LocationTask.insert(record_type=entry.kind, record_id=record.id, next_attempt_at=now, created_at=now,
                            **fields).on_conflict(
            conflict_target=[LocationTask.record_type, LocationTask.record_id],
            update={getattr(LocationTask, name): value for name, value in fields.items()}).execute()
        audit.record("location.place", record, user=user,
                     reason=f"placed by hand at {lat:.6f}, {lon:.6f}" + (f"; was {before}" if before else ""))
    return entry.model.get_by_id(record.id)


# -- the "needs a location" list ---------------------------------------------------------------------------------

@dataclass
class Unlocated:
    """One line of the list: the request, its record, and whether the reader may see the record's address."""

    task: LocationTask
    entry: Locatable
    record: object
    open: bool

    @property
    def title(self):
        return self.entry.title(self.record)

    @property
    def url(self):
        return self.entry.url(self.record) if self.entry.url else None

    @property
    def address(self):
        return self.entry.query(self.record) if self.open else None


def needs_location(user, q=None, kind=None, status=None):
    """The requests still needing a location whose records user may see, newest first. q matches the name, address
    or postcode of records whose address user may read without a reason (a match must not disclose any other)."""
    kinds = [entry for entry in locatables() if kind in (None, entry.kind)]
    conditions = []
    for entry in kinds:
        condition = ((LocationTask.record_type == entry.kind)
                     & LocationTask.record_id.in_(entry.visible_to(user).select(entry.model.id)))
        if q:
            term = q.strip()
            fields = [entry.address, *([entry.postcode] if entry.postcode is not None else []), *entry.names]
            match = reduce(or_, [field.contains(term) for field in fields])
            if entry.postcode is not None:
                match |= entry.postcode == normalise.postcode(term)
            condition &= LocationTask.record_id.in_(entry.open_to(user).where(match).select(entry.model.id))
        conditions.append(condition)
    statuses = [status] if status in NEEDS_LOCATION else list(NEEDS_LOCATION)
    query = LocationTask.select().where(LocationTask.status.in_(statuses))
    query = query.where(reduce(or_, conditions)) if conditions else query.where(False)
    return query.order_by(LocationTask.created_at.desc(), LocationTask.id.desc())


def describe(tasks, user, where):
    """The list's lines for these requests, in their order, with one audit per kind of what the reader was shown."""
    tasks = list(tasks)
    lines = {}
    for entry in locatables():
        ids = [task.record_id for task in tasks if task.record_type == entry.kind]
        if not ids:
            continue
        records = {record.id: record for record in entry.model.select().where(entry.model.id.in_(ids))}
        opened = {row_id for row_id, in entry.open_to(user).where(entry.model.id.in_(ids))
                  .select(entry.model.id).tuples()}
        if entry.listed:
            entry.listed(sorted(records), user, where)
        for task in tasks:
            if task.record_type == entry.kind and task.record_id in records:
                lines[task.id] = Unlocated(task, entry, records[task.record_id], task.record_id in opened)
    return [lines[task.id] for task in tasks if task.id in lines]


# -- the records this package knows --------------------------------------------------------------------------------

register_locatable(
    "premises", Premises, noun="premises", address=Premises.address, postcode=Premises.postcode,
    names=(Premises.name,), title=lambda premises: premises.name,
    url=lambda premises: links.record_url("premises", premises.id))

register_locatable(
    "intelligence", IntelligenceEntry, noun="intelligence entry", address=IntelligenceEntry.place_address,
    postcode=IntelligenceEntry.place_postcode, title=lambda entry: f"Intelligence {entry.id} ({entry.grading})",
    url=lambda entry: links.record_url("intelligence", entry.id), visible=IntelligenceEntry.visible_to,
    # Where a C-coded entry happened is part of what it says: shown only after a reason, like its text.
    open=intelligence.readable_without_reason,
    read=lambda entry, user, reason: intelligence.read(entry, user, reason, where="placing it on the map"),
    listed=intelligence.listed)
