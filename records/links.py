"""Everything linked to a person, vehicle or premises: page sections and derived connections gathered from every
package through registries, and the network of a record's neighbourhood.

Packages above records (licensing, disruption) register here, so records never imports them:
- @record_section(order) fn(record_type, record, user) -> Section | None: a block of the record's page.
- @connection_finder fn(record_type, record[, user]) -> [Connection]: a derived connection, saying why.
- @link_finder fn(record_type, record, user) -> [Connection]: a direct link (a licence on a vehicle, an owner of
  premises), drawn in the network view but not listed as a connection.
record_type is "person", "vehicle" or "premises" (and "intelligence" for the network's entry nodes).

Anything derived from intelligence (connections, network edges and nodes, flagged premises) uses only the
entries the viewing user may read WITHOUT a reason: P-coded entries, and C-coded entries the user wrote
(intelligence.readable_without_reason, the rule of intelligence.needs_reason). Whom a C-coded entry names is
part of its content, so it is seen only on the entry's page, after a reason. Each Connection and Section carries
the ids of the entries it was derived from (entries); the page showing them audits those ids in one
"intelligence.list" row (entries_used()), as the network view does for every entry it used.

"Flagged premises" are premises named in at least one such entry whose intelligence assessment is A to D (an
entry graded E, suspected to be false, flags nothing).
"""
import inspect
from dataclasses import dataclass, field

from flask import url_for

from records import intelligence
from records.models import (PREMISES_ROLES, IntelligenceEntry, IntelligencePerson, IntelligencePremises,
                            IntelligenceVehicle, Person, Premises, PremisesPerson, Vehicle)

MODELS = {"person": Person, "vehicle": Vehicle, "premises": Premises, "intelligence": IntelligenceEntry}
# How many times a vehicle must be recorded at flagged premises before it is a connection (L6: repeat vehicles).
REPEATED = 2
NETWORK_DEPTH = 2
NETWORK_LIMIT = 150  # nodes; a busy neighbourhood is cut here and the page says so


@dataclass
class Section:
    title: str
    rows: list  # (text, url or None, detail)
    empty: str
    actions: list = field(default_factory=list)  # (label, url) buttons beside the title
    entries: list = field(default_factory=list)  # ids of the intelligence entries shown, for the page's audit


@dataclass(frozen=True)
class Connection:
    kind: str
    label: str
    target_type: str
    target_id: int
    why: str
    entries: tuple = field(default=(), compare=False)  # ids of the intelligence entries it was derived from


def entries_used(found):
    """The ids of the intelligence entries a list of connections was derived from, each once, in order."""
    return sorted({entry_id for connection in found for entry_id in connection.entries})


_sections = []
_finders = []
_link_finders = []


def record_section(order=100):
    def register(fn_):
        _sections.append((order, len(_sections), fn_))
        return fn_
    return register


def record_sections(record_type, record, user):
    sections = (fn_(record_type, record, user) for _, _, fn_ in sorted(_sections, key=lambda s: s[:2]))
    return [section for section in sections if section is not None]


def _with_user(fn_):
    return len(inspect.signature(fn_).parameters) >= 3


def connection_finder(fn_):
    _finders.append((fn_, _with_user(fn_)))
    return fn_


def link_finder(fn_):
    _link_finders.append(fn_)
    return fn_


def _gather(finders, record_type, record, user):
    found = []
    for finder, wants_user in finders:
        for connection in (finder(record_type, record, user) if wants_user else finder(record_type, record)):
            if connection not in found and (connection.target_type, connection.target_id) != (record_type, record.id):
                found.append(connection)
    return found


def connections(record_type, record, user=None):
    """The derived connections of a record, as the user may see them, in a stable order."""
    return sorted(_gather(_finders, record_type, record, user), key=lambda c: (c.kind, c.label.lower(), c.target_id))


def record_url(record_type, record_id):
    if record_type == "intelligence":
        return url_for("records.intelligence_entry", entry_id=record_id)
    return url_for(f"records.{record_type}", **{f"{record_type}_id": record_id})


def _label(record_type, record):
    if record_type == "intelligence":
        return f"Intelligence {record.id} ({record.grading})"
    return str(record)


# -- what intelligence says, as the user may see it

def visible_ids(user):
    """A subquery of the entries derivations may use for user: those user reads without a reason."""
    return intelligence.readable_without_reason(user).select(IntelligenceEntry.id)


def _flagging(user):
    graded = intelligence.readable_without_reason(user).where(IntelligenceEntry.intelligence_assessment != "E")
    return IntelligencePremises.entry.in_(graded.select(IntelligenceEntry.id))


def flagged_premises(user):
    """A subquery of the ids of premises flagged for user (see the module docstring)."""
    return IntelligencePremises.select(IntelligencePremises.premises).where(_flagging(user))


def flagging_entries(user, premises_ids):
    """{premises id: [ids of the entries that flag it for user]}, in one query."""
    found = {}
    if premises_ids:
        for premises_id, entry_id in (IntelligencePremises.select(IntelligencePremises.premises,
                                                                  IntelligencePremises.entry)
                                      .where(_flagging(user) & IntelligencePremises.premises.in_(list(premises_ids)))
                                      .tuples()):
            found.setdefault(premises_id, []).append(entry_id)
    return found


LINK_TABLES = {"person": (IntelligencePerson, "person"), "vehicle": (IntelligenceVehicle, "vehicle"),
               "premises": (IntelligencePremises, "premises")}


def entries_naming(record_type, record, user, without_reason=False):
    """The entries naming a record that user may see (without_reason: only those user reads without one)."""
    table, column = LINK_TABLES[record_type]
    entries = intelligence.readable_without_reason(user) if without_reason else IntelligenceEntry.visible_to(user)
    return (entries
            .where(IntelligenceEntry.id.in_(table.select(table.entry).where(getattr(table, column) == record.id)))
            .order_by(IntelligenceEntry.occurred_at.desc(), IntelligenceEntry.id.desc()))


def _co_named(record_type, record, other_type, via_type, user):
    """Records of other_type named with the same via_type record (in entries user reads without a reason) as this
    record: {(other_id, via_id): set of entry ids}. For people sharing a vehicle: person, person, vehicle."""
    mine, my_column = LINK_TABLES[record_type]
    via, via_column = LINK_TABLES[via_type]
    visible = visible_ids(user)
    vias = (via.select(getattr(via, via_column))
            .join(mine, on=(mine.entry == via.entry))
            .where((getattr(mine, my_column) == record.id) & via.entry.in_(visible)))
    other, other_column = LINK_TABLES[other_type]
    other = other.alias("other_link")
    via_b = via.alias("via_link")
    rows = (other.select(getattr(other, other_column), getattr(via_b, via_column), other.entry)
            .join(via_b, on=(via_b.entry == other.entry))
            .where(getattr(via_b, via_column).in_(vias) & other.entry.in_(visible)
                   & (getattr(other, other_column) != record.id)).distinct().tuples())
    found = {}
    for other_id, via_id, entry_id in rows:
        found.setdefault((other_id, via_id), set()).add(entry_id)
    return found


def _names(model, ids):
    return {row.id: row for row in model.select().where(model.id.in_(list(ids)))} if ids else {}


@connection_finder
def shared_premises(record_type, record, user):
    """People who share premises: both owners or operators of the same premises, or named with the same premises
    in intelligence."""
    if record_type != "person":
        return []
    found = []
    mine = PremisesPerson.alias("mine")
    rows = (PremisesPerson.select(PremisesPerson, Person, Premises)
            .join(Person, on=(PremisesPerson.person == Person.id))
            .switch(PremisesPerson).join(Premises, on=(PremisesPerson.premises == Premises.id))
            .join(mine, on=(mine.premises == Premises.id))
            .where((mine.person == record.id) & (PremisesPerson.person != record.id))
            .order_by(Person.name))
    for link in rows:
        found.append(Connection("shared_premises", link.person.name, "person", link.person.id,
                                f"Also {PREMISES_ROLES.get(link.role, link.role).lower()} of {link.premises.name}"))
    co_named = _co_named("person", record, "person", "premises", user)
    people, premises = _names(Person, {p for p, _ in co_named}), _names(Premises, {v for _, v in co_named})
    for (person_id, premises_id), entries in co_named.items():
        count = len(entries)
        found.append(Connection("shared_premises", people[person_id].name, "person", person_id,
                                f"Both named with {premises[premises_id].name} in intelligence"
                                f" ({count} entr{'y' if count == 1 else 'ies'} naming them there)",
                                tuple(sorted(entries))))
    return found


@connection_finder
def shared_vehicles(record_type, record, user):
    """People who share a vehicle, through intelligence naming each of them with it (licensing adds licences)."""
    if record_type != "person":
        return []
    co_named = _co_named("person", record, "person", "vehicle", user)
    people, vehicles = _names(Person, {p for p, _ in co_named}), _names(Vehicle, {v for _, v in co_named})
    return [Connection("shared_vehicle", people[person_id].name, "person", person_id,
                       f"Both named with vehicle {vehicles[vehicle_id].registration} in intelligence",
                       tuple(sorted(entries)))
            for (person_id, vehicle_id), entries in co_named.items()]


def repeat_sightings(user, vehicle_id=None, premises_id=None):
    """(vehicle_id, premises_id, entry ids) for vehicles named with flagged premises in at least REPEATED entries
    user reads without a reason; the entry ids include those flagging the premises."""
    query = (IntelligenceVehicle.select(IntelligenceVehicle.vehicle, IntelligencePremises.premises,
                                        IntelligenceVehicle.entry)
             .join(IntelligencePremises, on=(IntelligencePremises.entry == IntelligenceVehicle.entry))
             .where(IntelligenceVehicle.entry.in_(visible_ids(user))
                    & IntelligencePremises.premises.in_(flagged_premises(user))).distinct())
    if vehicle_id:
        query = query.where(IntelligenceVehicle.vehicle == vehicle_id)
    if premises_id:
        query = query.where(IntelligencePremises.premises == premises_id)
    sightings = {}
    for vehicle, premises, entry_id in query.tuples():
        sightings.setdefault((vehicle, premises), set()).add(entry_id)
    repeated = {key: entries for key, entries in sightings.items() if len(entries) >= REPEATED}
    flagging = flagging_entries(user, {premises for _, premises in repeated})
    return [(vehicle, premises, len(entries), tuple(sorted(entries | set(flagging.get(premises, ())))))
            for (vehicle, premises), entries in sorted(repeated.items())]


@connection_finder
def vehicles_at_flagged_premises(record_type, record, user):
    """Vehicles repeatedly recorded at flagged premises (seen from either side)."""
    if record_type == "vehicle":
        rows = repeat_sightings(user, vehicle_id=record.id)
        premises = _names(Premises, {p for _, p, _, _ in rows})
        return [Connection("repeat_vehicle", premises[p].name, "premises", p,
                           f"Recorded at these flagged premises in {count} intelligence entries", entries)
                for _, p, count, entries in rows]
    if record_type == "premises":
        rows = repeat_sightings(user, premises_id=record.id)
        vehicles = _names(Vehicle, {v for v, _, _, _ in rows})
        return [Connection("repeat_vehicle", vehicles[v].registration, "vehicle", v,
                           f"Recorded at {record.name} (flagged) in {count} intelligence entries", entries)
                for v, _, count, entries in rows]
    return []


@connection_finder
def common_owner(record_type, record):
    """Premises with a common owner."""
    if record_type != "premises":
        return []
    mine = PremisesPerson.alias("mine")
    theirs = PremisesPerson.alias("theirs")
    rows = (Premises.select(Premises.id, Premises.name, Person.name)
            .join(theirs, on=(theirs.premises == Premises.id))
            .join(mine, on=((mine.person == theirs.person) & (mine.role == "owner")))
            .join(Person, on=(Person.id == theirs.person))
            .where((mine.premises == record.id) & (theirs.role == "owner") & (Premises.id != record.id))
            .order_by(Premises.name).tuples())
    return [Connection("common_owner", name, "premises", premises_id, f"Also owned by {owner}")
            for premises_id, name, owner in rows]


# -- direct links, for the network view

@link_finder
def owners_and_operators(record_type, record, user):
    if record_type == "person":
        rows = PremisesPerson.select(PremisesPerson, Premises).join(Premises).where(PremisesPerson.person == record.id)
        return [Connection(link.role, link.premises.name, "premises", link.premises.id, link.role) for link in rows]
    if record_type == "premises":
        rows = PremisesPerson.select(PremisesPerson, Person).join(Person).where(PremisesPerson.premises == record.id)
        return [Connection(link.role, link.person.name, "person", link.person.id, link.role) for link in rows]
    return []


@link_finder
def intelligence_links(record_type, record, user):
    """A record's entries, and an entry's people, vehicles and premises: only entries user reads without a reason
    (whom a C-coded entry names is read on its page, with one)."""
    if record_type == "intelligence":
        if intelligence.needs_reason(record, user):
            return []
        return [Connection("named", _label(kind, linked), kind, linked.id, "named in the entry", (record.id,))
                for kind, linked in intelligence.linked_records(record)]
    return [Connection("named", _label("intelligence", entry), "intelligence", entry.id, "named in the entry",
                       (entry.id,))
            for entry in entries_naming(record_type, record, user, without_reason=True).limit(NETWORK_LIMIT)]


def _fetch(keys):
    """[(type, record)] for [(type, id)], one query per type, in the order given (missing records left out)."""
    found = {}
    for kind in {kind for kind, _ in keys}:
        model = MODELS[kind]
        found.update(((kind, row.id), row) for row in model.select().where(
            model.id.in_([i for k, i in keys if k == kind])))
    return [(key[0], found[key]) for key in keys if key in found]


def network(record_type, record, user, depth=NETWORK_DEPTH, limit=NETWORK_LIMIT):
    """The neighbourhood of a record to depth: {"nodes": [...], "edges": [...], "truncated": bool,
    "entries": [intelligence ids shown]}. Labels are plain text; the page's script draws them as text."""
    start = (record_type, record.id)
    nodes = {start: {"id": f"{record_type}-{record.id}", "label": _label(record_type, record), "group": record_type,
                     "url": record_url(record_type, record.id), "level": 0}}
    edges, seen_edges, frontier, truncated, used = [], set(), [(record_type, record)], False, set()
    for level in range(1, depth + 1):
        following = []  # (type, id) of the nodes this level adds, looked up together below
        for kind, current in frontier:
            links = [(c, False) for c in _gather([(f, True) for f in _link_finders], kind, current, user)]
            if kind != "intelligence":
                links += [(c, True) for c in connections(kind, current, user)]
            for connection, derived in links:
                used.update(connection.entries)
                key = (connection.target_type, connection.target_id)
                if key not in nodes:
                    if len(nodes) >= limit:
                        truncated = True
                        continue
                    nodes[key] = {"id": f"{key[0]}-{key[1]}", "label": connection.label, "group": key[0],
                                  "url": record_url(*key), "level": level}
                    if level < depth:
                        following.append(key)
                edge = tuple(sorted([f"{kind}-{current.id}", nodes[key]["id"]])) + (connection.why,)
                if edge not in seen_edges:
                    seen_edges.add(edge)
                    edges.append({"from": f"{kind}-{current.id}", "to": nodes[key]["id"], "label": connection.why,
                                  "derived": derived})
        frontier = _fetch(following)
    entries = sorted(used | {key[1] for key in nodes if key[0] == "intelligence"})
    return {"nodes": list(nodes.values()), "edges": edges, "truncated": truncated, "entries": entries}


# -- the sections records itself puts on a page

@record_section(order=10)
def premises_section(record_type, record, user):
    if record_type != "person":
        return None
    links = (PremisesPerson.select(PremisesPerson, Premises).join(Premises)
             .where(PremisesPerson.person == record).order_by(Premises.name, PremisesPerson.role))
    return Section("Premises", [(link.premises.name, url_for("records.premises", premises_id=link.premises.id),
                                 f"{PREMISES_ROLES.get(link.role, link.role)} · {link.premises.type_label}"
                                 + (f" · {link.premises.postcode}" if link.premises.postcode else ""))
                                for link in links],
                   "Not linked to any premises. Link owners and operators from the premises' page.")


SECTION_ENTRIES = 20


@record_section(order=30)
def intelligence_section(record_type, record, user):
    """The intelligence naming this record that the user may see; C-coded text stays behind its reason form."""
    if record_type not in LINK_TABLES or not (user.roles & {"police", "specialist", "licensing_officer"}):
        return None
    entries = list(entries_naming(record_type, record, user).limit(SECTION_ENTRIES))
    rows = []
    for entry in entries:
        text = intelligence.shown_text(entry)
        rows.append((f"{entry.occurred_at:%d %b %Y} · graded {entry.grading}",
                     url_for("records.intelligence_entry", entry_id=entry.id),
                     (text[:200] + ("…" if len(text) > 200 else "")) if text is not None
                     else "C-coded: open the entry to read it (you will be asked for a reason)."))
    actions = []
    if user.roles & {"police", "specialist"}:
        actions.append(("Add intelligence", url_for("records.intelligence_new", **{record_type: record.id})))
    if len(entries) == SECTION_ENTRIES:
        actions.append(("All intelligence", url_for("records.intelligence_list", **{record_type: record.id})))
    return Section("Intelligence", rows, "No intelligence you may see names this record.", actions,
                   [entry.id for entry in entries])
