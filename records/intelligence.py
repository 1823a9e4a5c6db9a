"""Recording graded intelligence and reading it under its handling code: the checks, the writes and their audit.

The pages and the API both call these functions. Who may read an entry is IntelligenceEntry.visible_to(user);
every read goes through read() or listed() here, so each one is audited, and a C-coded entry is read only
with a reason. needs_reason() is that rule for one entry and readable_without_reason() the same rule as a query:
text search and everything derived from intelligence (records/links.py) use only those entries.
"""
from peewee import Value

from core import audit
from core.db import db
from core.errors import Invalid
from core.models import Organisation
from core.timeutil import utcnow
from records import normalise
from records.signals import address_saved
from records.models import (HANDLING_CODES, INTELLIGENCE_ASSESSMENTS, SOURCE_EVALUATIONS, IntelligenceEntry,
                            IntelligencePerson, IntelligencePremises, IntelligenceRecipient, IntelligenceVehicle,
                            Person, Premises, Vehicle)

MAX_TEXT = 10_000
LINKED = {"person_ids": (Person, "person"), "vehicle_ids": (Vehicle, "vehicle"),
          "premises_ids": (Premises, "premises")}


class ReasonRequired(Exception):
    """Reading a C-coded entry needs a reason, and none was given."""


def _missing(model, ids, noun):
    found = {row.id for row in model.select(model.id).where(model.id.in_(list(ids)))} if ids else set()
    absent = [str(i) for i in ids if i not in found]
    if absent:
        return f"No {noun} has record number {', '.join(absent)}."
    return None


def problems(text, source_evaluation, intelligence_assessment, handling_code, handling_conditions,
             organisation_ids, occurred_at, place_postcode, links):
    """Every problem with an entry, as {field: message}; links is {"person_ids": [...], ...}."""
    found = {}
    if not (text or "").strip():
        found["text"] = "Write what is known."
    elif len(text) > MAX_TEXT:
        found["text"] = f"At most {MAX_TEXT} characters."
    if source_evaluation not in SOURCE_EVALUATIONS:
        found["source_evaluation"] = "Choose 1 (reliable), 2 (untested) or 3 (not reliable)."
    if intelligence_assessment not in INTELLIGENCE_ASSESSMENTS:
        found["intelligence_assessment"] = "Choose A, B, C, D or E."
    if handling_code not in HANDLING_CODES:
        found["handling_code"] = "Choose P (sharing permitted) or C (sharing permitted with conditions)."
    elif handling_code == "C" and not (handling_conditions or "").strip():
        found["handling_conditions"] = "A C-coded entry needs its handling conditions."
    elif handling_code == "P" and ((handling_conditions or "").strip() or organisation_ids):
        found["handling_conditions"] = "Conditions apply only to C-coded entries: choose C, or remove them."
    if organisation_ids:
        organisations = list(Organisation.select().where(Organisation.id.in_(list(organisation_ids))))
        if len(organisations) != len(set(organisation_ids)):
            found["handling_organisation_ids"] = "One of the organisations named does not exist."
        elif any(o.kind == "partner" for o in organisations):
            found["handling_organisation_ids"] = "Partner agencies never see intelligence: remove them."
    if occurred_at is None:
        found["occurred_at"] = "Give when it happened."
    elif occurred_at > utcnow():
        found["occurred_at"] = "When it happened cannot be in the future."
    if place_postcode:
        problem = normalise.postcode_problem(place_postcode)
        if problem:
            found["place_postcode"] = problem
    for field, (model, noun) in LINKED.items():
        problem = _missing(model, links.get(field) or [], noun)
        if problem:
            found[field] = problem
    return found


def create_entry(user, *, text, source_evaluation, intelligence_assessment, handling_code, occurred_at,
                 handling_conditions="", organisation_ids=(), place_address="", place_postcode=None,
                 person_ids=(), vehicle_ids=(), premises_ids=()):
    """Record an entry from user's organisation; occurred_at is naive UTC. A C-coded entry is disclosed to the
    organisations its conditions name, and that disclosure is audited."""
    links = {"person_ids": list(dict.fromkeys(person_ids)), "vehicle_ids": list(dict.fromkeys(vehicle_ids)),
             "premises_ids": list(dict.fromkeys(premises_ids))}
    organisation_ids = [i for i in dict.fromkeys(organisation_ids) if i != user.organisation_id]
    found = problems(text, source_evaluation, intelligence_assessment, handling_code, handling_conditions,
                     organisation_ids, occurred_at, place_postcode, links)
    if found:
        raise Invalid(found)
    with db.atomic():
        entry = IntelligenceEntry.create(
            text=text.strip(), source_evaluation=source_evaluation, intelligence_assessment=intelligence_assessment,
            handling_code=handling_code, handling_conditions=(handling_conditions or "").strip(),
            occurred_at=occurred_at, place_address=(place_address or "").strip(),
            place_postcode=normalise.postcode(place_postcode) if place_postcode else None,
            organisation=user.organisation_id, created_by=user)
        for person in links["person_ids"]:
            IntelligencePerson.create(entry=entry, person=person)
        for vehicle in links["vehicle_ids"]:
            IntelligenceVehicle.create(entry=entry, vehicle=vehicle)
        for premises in links["premises_ids"]:
            IntelligencePremises.create(entry=entry, premises=premises)
        for organisation in organisation_ids:
            IntelligenceRecipient.create(entry=entry, organisation=organisation)
        audit.record("intelligence.create", entry, user=user, reason=f"graded {entry.grading}")
        if entry.place_address or entry.place_postcode:
            address_saved.send(entry)  # the place is geocoded in the background once this commits
        if organisation_ids:
            audit.record("intelligence.disclose", entry, user=user, recipients=organisation_ids,
                         reason="named in the handling conditions")
    return entry


def visible(entry_id, user):
    """The entry if user may read it under its handling code, else None (a refused read is not audited)."""
    return IntelligenceEntry.visible_to(user).where(IntelligenceEntry.id == entry_id).first()


def needs_reason(entry, user):
    """A C-coded entry is opened with a reason, except by its own author."""
    return entry.restricted and entry.created_by_id != user.id


def _open_to(user):
    """needs_reason() as a condition: P-coded, or written by user."""
    return (IntelligenceEntry.handling_code == "P") | (IntelligenceEntry.created_by == user.id)


def readable_without_reason(user):
    """The entries user may see and read without a reason (needs_reason() as a query)."""
    return IntelligenceEntry.visible_to(user).where(_open_to(user))


def read(entry, user, reason=None, where="entry page"):
    """Audit user's reading of entry (which they may see); ReasonRequired when a C-coded entry has no reason."""
    given = (reason or "").strip()
    if needs_reason(entry, user) and not given:
        raise ReasonRequired()
    note = given or ("author's own entry" if entry.created_by_id == user.id else None)
    audit.record("intelligence.read", entry, user=user, reason=f"{where}: {note}"[:1000] if note else where)


def listed(entries, user, where):
    """Audit that user was shown these entries (their grading, and the text of P-coded ones) in a list."""
    ids = list(dict.fromkeys(entry.id if hasattr(entry, "id") else entry for entry in entries))
    if ids:
        # Never truncated: the row must name every entry shown.
        audit.record("intelligence.list", record_type="intelligence_entry", user=user,
                     reason=f"{where}: entries {', '.join(map(str, ids))}")


def linked_ids(entry_ids):
    """{entry id: {"person_ids": [...], "vehicle_ids": [...], "premises_ids": [...]}} for many entries in one
    query (a page of the API list)."""
    found = {entry_id: {field: [] for field in LINKED} for entry_id in entry_ids}
    if not found:
        return found
    parts = [model.select(model.entry, Value(field).alias("field"), getattr(model, column).alias("linked"))
             .where(model.entry.in_(list(found)))
             for field, (model, column) in (("person_ids", (IntelligencePerson, "person")),
                                            ("vehicle_ids", (IntelligenceVehicle, "vehicle")),
                                            ("premises_ids", (IntelligencePremises, "premises")))]
    for entry_id, field, linked in (parts[0] + parts[1] + parts[2]).tuples():
        found[entry_id][field].append(linked)
    for links in found.values():
        for ids in links.values():
            ids.sort()
    return found


def recipient_ids(entry_ids):
    """{entry id: sorted organisation ids its handling conditions name}, in one query."""
    found = {entry_id: [] for entry_id in entry_ids}
    if found:
        for entry_id, organisation_id in (IntelligenceRecipient.select(IntelligenceRecipient.entry,
                                                                       IntelligenceRecipient.organisation)
                                          .where(IntelligenceRecipient.entry.in_(list(found)))
                                          .order_by(IntelligenceRecipient.organisation).tuples()):
            found[entry_id].append(organisation_id)
    return found


def linked_records(entry):
    """The people, vehicles and premises an entry names, as (record_type, record) pairs."""
    people = Person.select().join(IntelligencePerson).where(IntelligencePerson.entry == entry).order_by(Person.name)
    vehicles = (Vehicle.select().join(IntelligenceVehicle).where(IntelligenceVehicle.entry == entry)
                .order_by(Vehicle.registration))
    premises = (Premises.select().join(IntelligencePremises).where(IntelligencePremises.entry == entry)
                .order_by(Premises.name))
    return ([("person", p) for p in people] + [("vehicle", v) for v in vehicles]
            + [("premises", p) for p in premises])


def search(user, q=None, handling_code=None, source_evaluation=None, intelligence_assessment=None, since=None,
           until=None, person_id=None, vehicle_id=None, premises_id=None):
    """The entries user may see (with their organisation), newest event first. q searches the text only of the
    entries user may read without a reason: matching any other C-coded entry's text would disclose it."""
    query = (IntelligenceEntry.visible_to(user).select(IntelligenceEntry, Organisation)
             .join(Organisation, on=(IntelligenceEntry.organisation == Organisation.id))
             .order_by(IntelligenceEntry.occurred_at.desc(), IntelligenceEntry.id.desc()))
    if q:
        query = query.where(IntelligenceEntry.text.contains(q.strip())
                            & _open_to(user))
    if handling_code:
        query = query.where(IntelligenceEntry.handling_code == handling_code)
    if source_evaluation:
        query = query.where(IntelligenceEntry.source_evaluation == source_evaluation)
    if intelligence_assessment:
        query = query.where(IntelligenceEntry.intelligence_assessment == intelligence_assessment)
    if since:
        query = query.where(IntelligenceEntry.occurred_at >= since)
    if until:
        query = query.where(IntelligenceEntry.occurred_at < until)
    for value, model, field in ((person_id, IntelligencePerson, "person"),
                                (vehicle_id, IntelligenceVehicle, "vehicle"),
                                (premises_id, IntelligencePremises, "premises")):
        if value:
            query = query.where(IntelligenceEntry.id.in_(
                model.select(model.entry).where(getattr(model, field) == value)))
    return query


def shown_text(entry):
    """What a list may show of an entry's text: a C-coded entry's text only on its own page, with a reason."""
    return None if entry.restricted else entry.text
