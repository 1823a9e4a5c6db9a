"""Everything linked to a person, vehicle or premises: page sections and derived connections gathered from every
package through registries, and the network of a record's neighbourhood.

Packages above records (licensing, disruption) register here, so records never imports them:
- @record_section(order) fn(record_type, record, user) -> Section | None: a block of the record's page.
- @connection_finder(**titles) fn(record_type, ids, user, limit, offset=0) -> {record id: Found}: one list of
  derived connections, each saying why, for the record types titles names (with the list's heading there).
- @link_finder(*record_types, **titles) fn(...the same...): direct links (a licence on a vehicle, an owner of
  premises), drawn in the network view but not listed as connections; titles name the whole list on the
  connections page where a section shows these links in part (a person's premises).
record_type is "person", "vehicle" or "premises" (and "intelligence" for the network's entry nodes).

A finder answers for many records at once, and for each gives only connections offset+1 to offset+limit in its
order, with how many there are in all (Found): the database numbers and counts them (numbered()). So a record page
lists the first TOP of each list with "and N more" (the rest a click away, a page at a time), the network asks for
a whole level in one query per finder and record type, and a record named in thousands of entries costs its page
the same queries as any other. Lists drawn from intelligence put the strongest first (the most entries behind a connection); lists
drawn from the registers (owners, licences) are alphabetical.

Anything derived from intelligence (connections, network edges and nodes, flagged premises) uses only the
entries the viewing user may read WITHOUT a reason: P-coded entries, and C-coded entries the user wrote
(intelligence.readable_without_reason, the rule of intelligence.needs_reason), tested entry by entry (readable()).
Whom a C-coded entry names is part of its content, so it is seen only on the entry's page, after a reason. Each
Connection and Section carries the ids of the entries it was derived from (entries); the page showing them audits
those ids in one "intelligence.list" row (entries_used()), as the network view does for every entry behind what
it draws.

"Flagged premises" are premises named in at least one such entry whose intelligence assessment is A to D (an
entry graded E, suspected to be false, flags nothing).
"""
from dataclasses import dataclass, field
from typing import NamedTuple

from flask import url_for
from peewee import SQL, fn

from core.db import is_sqlite
from records import intelligence
from records.models import (PREMISES_ROLES, PREMISES_TYPES, IntelligenceEntry, IntelligencePerson,
                            IntelligencePremises, IntelligenceVehicle, Person, Premises, PremisesPerson, Vehicle)

MODELS = {"person": Person, "vehicle": Vehicle, "premises": Premises, "intelligence": IntelligenceEntry}
# How many times a vehicle must be recorded at flagged premises before it is a connection (L6: repeat vehicles).
REPEATED = 2
TOP = 10  # connections a record's page shows of each list; "and N more" opens the rest
SECTION_ENTRIES = 20  # rows of intelligence and of premises a record's page shows before "and N more"
NETWORK_DEPTH = 2
NETWORK_LIMIT = 150  # nodes; a busy neighbourhood is cut here and the page says so


@dataclass
class Section:
    title: str
    rows: list  # (text, url or None, detail)
    empty: str
    actions: list = field(default_factory=list)  # (label, url) buttons beside the title
    entries: list = field(default_factory=list)  # ids of the intelligence entries shown, for the page's audit
    more: int = 0  # how many more there are than the rows shown
    more_url: str = None  # where to see them


@dataclass(frozen=True)
class Connection:
    kind: str
    label: str
    target_type: str
    target_id: int
    why: str
    entries: tuple = field(default=(), compare=False)  # ids of the intelligence entries it was derived from


class Found(NamedTuple):
    """What a finder found for one record: the connections asked for, and how many it has in all."""
    connections: list
    total: int


@dataclass
class ConnectionList:
    """One finder's list on a record's page: a window of its connections (from offset) and the list's total."""
    key: str  # the finder's name, which the list's own page takes as ?list=
    title: str
    record_type: str
    record_id: int
    connections: list
    total: int
    offset: int = 0

    @property
    def more(self):
        return self.total - self.offset - len(self.connections)

    @property
    def url(self):
        return list_url(self.record_type, self.record_id, self.key)


def entries_used(lists):
    """The ids of the intelligence entries behind the connections shown in lists, each once, in order."""
    return sorted({entry_id for found in lists for connection in found.connections
                   for entry_id in connection.entries})


_sections = []
_finders = {}  # name -> (fn, {record type: title}), in the order the page lists them
_link_finders = []  # (fn, record types)
_lists = {}  # name -> (fn, {record type: title}): every list the connections page can show, _finders' and more


def record_section(order=100):
    def register(fn_):
        _sections.append((order, len(_sections), fn_))
        return fn_
    return register


def record_sections(record_type, record, user):
    sections = (fn_(record_type, record, user) for _, _, fn_ in sorted(_sections, key=lambda s: s[:2]))
    return [section for section in sections if section is not None]


def connection_finder(**titles):
    def register(fn_):
        _finders[fn_.__name__] = _lists[fn_.__name__] = (fn_, titles)
        return fn_
    return register


def link_finder(*record_types, **titles):
    """titles: for record types whose page sections list these links in part, the heading of the whole list on
    the connections page (where their "and N more" leads)."""
    def register(fn_):
        _link_finders.append((fn_, record_types))
        if titles:
            _lists[fn_.__name__] = (fn_, titles)
        return fn_
    return register


def connection_lists(record_type, record, user, limit=TOP):
    """Each list of derived connections the record has, as the user may see them: its first limit connections
    and its total. One query per list (and one more for those that show flagging entries)."""
    return [ConnectionList(key, titles[record_type], record_type, record.id,
                           *find(record_type, [record.id], user, limit).get(record.id, Found([], 0)))
            for key, (find, titles) in _finders.items() if record_type in titles]


def connection_list(record_type, record, user, key, offset, limit):
    """Connections offset+1 to offset+limit of one of the record's lists, or None if it has no list called key."""
    if key not in _lists or record_type not in _lists[key][1]:
        return None
    find, titles = _lists[key]
    found = find(record_type, [record.id], user, limit, offset).get(record.id, Found([], 0))
    return ConnectionList(key, titles[record_type], record_type, record.id, *found, offset=offset)


def list_titles(record_type):
    """(key, title) of each list a record of this type has on the connections page, in page order."""
    return [(key, titles[record_type]) for key, (_, titles) in _lists.items() if record_type in titles]


def list_url(record_type, record_id, key):
    return url_for(f"records.{record_type}_connections", **{f"{record_type}_id": record_id}, list=key)


def record_url(record_type, record_id):
    if record_type == "intelligence":
        return url_for("records.intelligence_entry", entry_id=record_id)
    return url_for(f"records.{record_type}", **{f"{record_type}_id": record_id})


def _label(record_type, record):
    if record_type == "intelligence":
        return f"Intelligence {record.id} ({record.grading})"
    return str(record)


# -- how finders ask: every record's rows at once, numbered and counted by the database

def numbered(query, record, order_by, limit, offset=0):
    """query's rows numbered within each record's (record: the column saying whose row it is) in order_by and
    counted: the subquery (query's columns, plus "rank" and "total") and the condition keeping ranks offset+1 to
    offset+limit. Window functions, so the database sorts and counts a hub's thousands of rows and sends a few."""
    ranked = query.select_extend(
        fn.ROW_NUMBER().over(partition_by=[record], order_by=order_by).alias("rank"),
        fn.COUNT(SQL("*")).over(partition_by=[record]).alias("total")).alias("numbered")
    return ranked, (ranked.c.rank > offset) & (ranked.c.rank <= offset + limit)


def first_of_each(query, record, order_by, limit, offset=0):
    """Rows offset+1 to offset+limit of each record's rows of query, as dicts (with the record's "total"); query
    selects the record as "record_id"."""
    ranked, shown = numbered(query, record, order_by, limit, offset)
    return ranked.select_from(SQL("*")).where(shown).order_by(ranked.c.record_id, ranked.c.rank).dicts()


def label_of(field, record_id):
    """field of the record whose id is in the column record_id, read row by row for the few rows shown: joined
    instead, PostgreSQL may read the whole table, not knowing how few rows the numbering keeps."""
    return field.model.select(field).where(field.model.id == record_id)


def collect(rows, make):
    """{record id: Found} from first_of_each's rows, each row's Connection made by make(row)."""
    found = {}
    for row in rows:
        found.setdefault(row["record_id"], Found([], row["total"])).connections.append(make(row))
    return found


def entry_list(column):
    """An aggregate of a group's entry ids, read back by entry_ids()."""
    return fn.GROUP_CONCAT(column) if is_sqlite() else fn.STRING_AGG(column.cast("text"), ",")


def entry_ids(text, *more):
    return tuple(sorted({int(i) for i in text.split(",")} | set(more)))


# -- what intelligence says, as the user may see it

def readable(entry, user, flagging=False):
    """The entry (a column of entry ids) is one user reads without a reason (and with flagging, graded A to D, so
    it flags the premises it names): a probe of that one entry, which every database answers from the primary key
    (`IN (every entry user reads)` made SQLite list them all first)."""
    probe = intelligence.readable_without_reason(user).select(IntelligenceEntry.id).where(IntelligenceEntry.id == entry)
    if flagging:
        probe = probe.where(IntelligenceEntry.intelligence_assessment != "E")
    return fn.EXISTS(probe)


def flagged(premises, user):
    """The premises (a column of premises ids) are flagged for user (see the module docstring)."""
    link = IntelligencePremises.alias("flag_link")
    return fn.EXISTS(link.select(link.id).where((link.premises == premises) & readable(link.entry, user, True)))


def flagging_entries(user, premises_ids):
    """{premises id: [ids of the entries that flag it for user]}, in one query."""
    found = {}
    if premises_ids:
        for premises_id, entry_id in (IntelligencePremises.select(IntelligencePremises.premises,
                                                                  IntelligencePremises.entry)
                                      .where(IntelligencePremises.premises.in_(list(premises_ids))
                                             & readable(IntelligencePremises.entry, user, flagging=True))
                                      .tuples()):
            found.setdefault(premises_id, []).append(entry_id)
    return found


LINK_TABLES = {"person": (IntelligencePerson, "person"), "vehicle": (IntelligenceVehicle, "vehicle"),
               "premises": (IntelligencePremises, "premises")}


def entries_naming(record_type, record, user):
    """The entries naming a record that user may see, newest first."""
    table, column = LINK_TABLES[record_type]
    return (IntelligenceEntry.visible_to(user).join(table, on=(table.entry == IntelligenceEntry.id))
            .where(getattr(table, column) == record.id)
            .order_by(IntelligenceEntry.occurred_at.desc(), IntelligenceEntry.id.desc()))


def _named_with(via_type, ids, user, limit, offset):
    """For each person of ids: the other people named with a via_type record (premises or vehicle) that the person
    is named with too, in entries user reads without a reason, strongest first. Rows like first_of_each's, with
    target_id (the other person), name, via (the via record's label), count and entries (those naming the other
    person with it)."""
    via_table, via_column = LINK_TABLES[via_type]
    mine, via_mine = IntelligencePerson.alias("mine"), via_table.alias("via_mine")
    mine_via = (mine.select(mine.person.alias("me"), getattr(via_mine, via_column).alias("via"))
                .join(via_mine, on=(via_mine.entry == mine.entry))
                .where(mine.person.in_(ids) & readable(mine.entry, user)).distinct().alias("mine_via"))
    other, via_other = IntelligencePerson.alias("other_link"), via_table.alias("via_other")
    via = getattr(via_other, via_column)
    pairs = (other.select(mine_via.c.me.alias("record_id"), other.person.alias("target_id"), via.alias("via_id"),
                          fn.COUNT(SQL("*")).alias("count"), entry_list(other.entry).alias("entries"))
             .join(via_other, on=(via_other.entry == other.entry))
             .join(mine_via, on=(mine_via.c.via == via))
             # The probe names via_other's entry (the same one), so it runs once per entry, before the people.
             .where(readable(via_other.entry, user) & (other.person != mine_via.c.me))
             .group_by(mine_via.c.me, other.person, via))
    ranked, shown = numbered(pairs, mine_via.c.me, [fn.COUNT(SQL("*")).desc(), other.person, via], limit, offset)
    via_model = MODELS[via_type]
    via_label = via_model.name if via_type == "premises" else via_model.registration
    return (ranked.select_from(ranked.c.record_id, ranked.c.target_id,
                               label_of(Person.name, ranked.c.target_id).alias("name"),
                               label_of(via_label, ranked.c.via_id).alias("via"), ranked.c.count, ranked.c.entries,
                               ranked.c.total)
            .where(shown).order_by(ranked.c.record_id, ranked.c.rank).dicts())


def _entries_phrase(count):
    return f"{count} entr{'y' if count == 1 else 'ies'}"


@connection_finder(person="Owners and operators of the same premises")
def co_owners(record_type, ids, user, limit, offset=0):
    """People who own or operate premises the person owns or operates."""
    mine = PremisesPerson.alias("mine")
    rows = (PremisesPerson.select(mine.person.alias("record_id"), Person.id.alias("target_id"),
                                  Person.name.alias("name"), PremisesPerson.role.alias("role"),
                                  Premises.name.alias("premises"))
            .join(mine, on=(mine.premises == PremisesPerson.premises))
            .join(Person, on=(Person.id == PremisesPerson.person))
            .join(Premises, on=(Premises.id == PremisesPerson.premises))
            .where(mine.person.in_(ids) & (PremisesPerson.person != mine.person))
            # one row per link, even where the person is both owner and operator of the premises
            .group_by(mine.person, Person.id, Person.name, PremisesPerson.role, Premises.id, Premises.name))
    order = [fn.LOWER(Person.name), Person.id, fn.LOWER(Premises.name), Premises.id, PremisesPerson.role]
    return collect(first_of_each(rows, mine.person, order, limit, offset),
                   lambda row: Connection("shared_premises", row["name"], "person", row["target_id"],
                                          f"Also {PREMISES_ROLES.get(row['role'], row['role']).lower()} of "
                                          f"{row['premises']}"))


@connection_finder(person="People named with the same premises in intelligence")
def named_with_premises(record_type, ids, user, limit, offset=0):
    return collect(_named_with("premises", ids, user, limit, offset),
                   lambda row: Connection("shared_premises", row["name"], "person", row["target_id"],
                                          f"Both named with {row['via']} in intelligence "
                                          f"({_entries_phrase(row['count'])} naming them there)",
                                          entry_ids(row["entries"])))


@connection_finder(person="People named with the same vehicle in intelligence")
def named_with_vehicle(record_type, ids, user, limit, offset=0):
    """People who share a vehicle, through intelligence naming each of them with it (licensing adds licences)."""
    return collect(_named_with("vehicle", ids, user, limit, offset),
                   lambda row: Connection("shared_vehicle", row["name"], "person", row["target_id"],
                                          f"Both named with vehicle {row['via']} in intelligence",
                                          entry_ids(row["entries"])))


@connection_finder(vehicle="Flagged premises it was recorded at, repeatedly",
                   premises="Vehicles recorded here repeatedly (flagged premises)")
def vehicles_at_flagged_premises(record_type, ids, user, limit, offset=0):
    """Vehicles named with flagged premises in at least REPEATED entries user reads without a reason (seen from
    either side), most sightings first; each connection's entries include those flagging the premises."""
    vehicle, premises = IntelligenceVehicle.vehicle, IntelligencePremises.premises
    if record_type == "premises":
        # Which premises are flagged first: only those have any, and PostgreSQL plans a hub's sightings badly
        # with the flagging test inside.
        flagging = flagging_entries(user, ids)
        if not flagging:
            return {}
        mine, theirs, which = premises, vehicle, premises.in_(list(flagging))
    else:
        mine, theirs, which = vehicle, premises, vehicle.in_(ids) & flagged(premises, user)
    sightings = (IntelligenceVehicle.select(vehicle.alias("vehicle_id"), premises.alias("premises_id"),
                                            mine.alias("record_id"), fn.COUNT(SQL("*")).alias("count"),
                                            entry_list(IntelligenceVehicle.entry).alias("entries"))
                 .join(IntelligencePremises, on=(IntelligencePremises.entry == IntelligenceVehicle.entry))
                 .where(which & readable(IntelligenceVehicle.entry, user))
                 .group_by(vehicle, premises).having(fn.COUNT(SQL("*")) >= REPEATED))
    ranked, shown = numbered(sightings, mine, [fn.COUNT(SQL("*")).desc(), theirs], limit, offset)
    rows = list(ranked.select_from(ranked.c.vehicle_id, ranked.c.premises_id, ranked.c.record_id,
                                   label_of(Vehicle.registration, ranked.c.vehicle_id).alias("registration"),
                                   label_of(Premises.name, ranked.c.premises_id).alias("premises"),
                                   ranked.c.count, ranked.c.entries, ranked.c.total)
                .where(shown).order_by(ranked.c.record_id, ranked.c.rank).dicts())
    if record_type == "vehicle":
        flagging = flagging_entries(user, {row["premises_id"] for row in rows})

    def connection(row):
        entries = entry_ids(row["entries"], *flagging.get(row["premises_id"], ()))
        if record_type == "vehicle":
            return Connection("repeat_vehicle", row["premises"], "premises", row["premises_id"],
                              f"Recorded at these flagged premises in {row['count']} intelligence entries", entries)
        return Connection("repeat_vehicle", row["registration"], "vehicle", row["vehicle_id"],
                          f"Recorded at {row['premises']} (flagged) in {row['count']} intelligence entries", entries)
    return collect(rows, connection)


@connection_finder(premises="Premises with a common owner")
def common_owner(record_type, ids, user, limit, offset=0):
    mine, theirs = PremisesPerson.alias("mine"), PremisesPerson.alias("theirs")
    rows = (Premises.select(mine.premises.alias("record_id"), Premises.id.alias("target_id"),
                            Premises.name.alias("name"), Person.name.alias("owner"))
            .join(theirs, on=(theirs.premises == Premises.id))
            .join(mine, on=((mine.person == theirs.person) & (mine.role == "owner")))
            .join(Person, on=(Person.id == theirs.person))
            .where(mine.premises.in_(ids) & (theirs.role == "owner") & (Premises.id != mine.premises)))
    order = [fn.LOWER(Premises.name), Premises.id, fn.LOWER(Person.name), Person.id]
    return collect(first_of_each(rows, mine.premises, order, limit, offset),
                   lambda row: Connection("common_owner", row["name"], "premises", row["target_id"],
                                          f"Also owned by {row['owner']}"))


# -- direct links, for the network view

def direct_links(ids, mine, theirs, label, detail, make, limit, offset=0):
    """Links through one table from each record of ids (its column mine) to the records of its column theirs,
    alphabetical by their label (a field of theirs' model): {record id: Found} of make(row), row holding
    target_id, label and detail (a column of the table)."""
    target = label.model
    rows = (mine.model.select(mine.alias("record_id"), theirs.alias("target_id"), label.alias("label"),
                              detail.alias("detail"))
            .join(target, on=(target.id == theirs)).where(mine.in_(ids)))
    return collect(first_of_each(rows, mine, [fn.LOWER(label), theirs, detail], limit, offset), make)


@link_finder("person", "premises", person="Premises they own or operate")
def owners_and_operators(record_type, ids, user, limit, offset=0):
    if record_type == "person":
        mine, theirs, label, other = PremisesPerson.person, PremisesPerson.premises, Premises.name, "premises"
    else:
        mine, theirs, label, other = PremisesPerson.premises, PremisesPerson.person, Person.name, "person"
    return direct_links(ids, mine, theirs, label, PremisesPerson.role,
                        lambda row: Connection(row["detail"], row["label"], other, row["target_id"], row["detail"]),
                        limit, offset)


def _named_in(row):
    """A record's link to an entry that names it (row: entry_id and the entry's grading columns)."""
    grading = f"{row['source_evaluation']}{row['intelligence_assessment']}{row['handling_code']}"
    return Connection("named", f"Intelligence {row['entry_id']} ({grading})", "intelligence", row["entry_id"],
                      "named in the entry", (row["entry_id"],))


@link_finder("person", "vehicle", "premises", "intelligence")
def intelligence_links(record_type, ids, user, limit, offset=0):
    """A record's entries (newest first), and an entry's people, vehicles and premises: only entries user reads
    without a reason (whom a C-coded entry names is read on its page, with one)."""
    if record_type != "intelligence":
        table, column = LINK_TABLES[record_type]
        record = getattr(table, column)
        rows = (intelligence.readable_without_reason(user)
                .select(record.alias("record_id"), IntelligenceEntry.id.alias("entry_id"),
                        IntelligenceEntry.source_evaluation, IntelligenceEntry.intelligence_assessment,
                        IntelligenceEntry.handling_code)
                .join(table, on=(table.entry == IntelligenceEntry.id)).where(record.in_(ids)))
        order = [IntelligenceEntry.occurred_at.desc(), IntelligenceEntry.id.desc()]
        return collect(first_of_each(rows, record, order, limit, offset), _named_in)
    found = {}
    readable_ids = (intelligence.readable_without_reason(user).select(IntelligenceEntry.id)
                    .where(IntelligenceEntry.id.in_(ids)))
    for target_type, (table, column) in LINK_TABLES.items():
        model, linked = MODELS[target_type], getattr(table, column)
        label = model.registration if target_type == "vehicle" else model.name
        rows = (table.select(table.entry.alias("record_id"), linked.alias("target_id"), label.alias("label"))
                .join(model, on=(model.id == linked)).where(table.entry.in_(readable_ids)))
        for entry_id, (connections, total) in collect(
                first_of_each(rows, table.entry, [fn.LOWER(label), linked], limit, offset),
                lambda row, kind=target_type: Connection("named", row["label"], kind, row["target_id"],
                                                         "named in the entry", (row["record_id"],))).items():
            earlier = found.get(entry_id, Found([], 0))
            found[entry_id] = Found(earlier.connections + connections, earlier.total + total)
    return found


# -- the network

def _node(key, label, level):
    return {"id": f"{key[0]}-{key[1]}", "label": label, "group": key[0], "url": record_url(*key), "level": level}


def _neighbours(keys, user, limit):
    """What each record of keys ((type, id) pairs) links and connects to, at most limit per finder: ({key:
    [(Connection, derived)]} with direct links first, and whether any record had more). One query per finder and
    record type, however many records keys holds."""
    ids = {}
    for kind, record_id in keys:
        ids.setdefault(kind, []).append(record_id)
    finders = ([(find, types, False) for find, types in _link_finders]
               + [(find, titles, True) for find, titles in _finders.values()])
    found, cut = {}, False
    for find, types, derived in finders:
        for kind, kind_ids in ids.items():
            if kind in types:
                for record_id, (connections, total) in find(kind, kind_ids, user, limit).items():
                    found.setdefault((kind, record_id), []).extend((c, derived) for c in connections)
                    cut = cut or total > len(connections)
    return found, cut


def network(record_type, record, user, depth=NETWORK_DEPTH, limit=NETWORK_LIMIT):
    """The neighbourhood of a record to depth: {"nodes": [...], "edges": [...], "truncated": bool,
    "entries": [ids of the intelligence behind what is drawn]}. Labels are plain text; the page's script draws
    them as text. Each level is asked for in one go (_neighbours); once limit nodes are drawn no further record is
    expanded, and what would have added a node is left out, its entries with it."""
    start = (record_type, record.id)
    nodes = {start: _node(start, _label(record_type, record), 0)}
    edges, seen_edges, used, truncated = [], set(), set(), False
    frontier = [start]
    for level in range(1, depth + 1):
        if not frontier:
            break
        if len(nodes) >= limit:
            truncated = True
            break
        neighbours, cut = _neighbours(frontier, user, limit - len(nodes))
        truncated = truncated or cut
        following = []
        for key in frontier:
            source = nodes[key]["id"]
            for connection, derived in neighbours.get(key, ()):
                target = (connection.target_type, connection.target_id)
                if target not in nodes:
                    if len(nodes) >= limit:
                        truncated = True
                        continue
                    nodes[target] = _node(target, connection.label, level)
                    following.append(target)
                used.update(connection.entries)
                edge = tuple(sorted([source, nodes[target]["id"]])) + (connection.why,)
                if edge not in seen_edges:
                    seen_edges.add(edge)
                    edges.append({"from": source, "to": nodes[target]["id"], "label": connection.why,
                                  "derived": derived})
        frontier = following
    entries = sorted(used | {record_id for kind, record_id in nodes if kind == "intelligence"})
    return {"nodes": list(nodes.values()), "edges": edges, "truncated": truncated, "entries": entries}


# -- the sections records itself puts on a page

@record_section(order=10)
def premises_section(record_type, record, user):
    """The premises a person owns or operates: the first SECTION_ENTRIES (in owners_and_operators' order, whose
    list has the rest) and how many more."""
    if record_type != "person":
        return None
    links = (PremisesPerson.select(PremisesPerson.person.alias("record_id"), PremisesPerson.role.alias("role"),
                                   Premises.id.alias("premises_id"), Premises.name.alias("name"),
                                   Premises.type.alias("type"), Premises.postcode.alias("postcode"))
             .join(Premises).where(PremisesPerson.person == record.id))
    rows = list(first_of_each(links, PremisesPerson.person, [fn.LOWER(Premises.name), Premises.id,
                                                             PremisesPerson.role], SECTION_ENTRIES))
    more = rows[0]["total"] - len(rows) if rows else 0
    return Section("Premises", [(row["name"], url_for("records.premises", premises_id=row["premises_id"]),
                                 f"{PREMISES_ROLES.get(row['role'], row['role'])} · "
                                 f"{PREMISES_TYPES.get(row['type'], row['type'])}"
                                 + (f" · {row['postcode']}" if row["postcode"] else ""))
                                for row in rows],
                   "Not linked to any premises. Link owners and operators from the premises' page.",
                   more=more, more_url=list_url("person", record.id, "owners_and_operators") if more else None)


@record_section(order=30)
def intelligence_section(record_type, record, user):
    """The intelligence naming this record that the user may see; C-coded text stays behind its reason form."""
    if record_type not in LINK_TABLES or not (user.roles & {"police", "specialist", "licensing_officer"}):
        return None
    # Numbered and counted in one statement, newest first (with a plain LIMIT and a count, PostgreSQL would walk
    # every entry by date to count a hub's); only the entries shown are read whole.
    table, column = LINK_TABLES[record_type]
    naming = entries_naming(record_type, record, user).select(IntelligenceEntry.id.alias("entry_id"))
    ranked, shown = numbered(naming.order_by(), getattr(table, column),
                             [IntelligenceEntry.occurred_at.desc(), IntelligenceEntry.id.desc()], SECTION_ENTRIES)
    entries = list(IntelligenceEntry.select(IntelligenceEntry, ranked.c.total)
                   .join(ranked, on=(ranked.c.entry_id == IntelligenceEntry.id)).where(shown)
                   .order_by(ranked.c.rank).objects())
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
    more = entries[0].total - len(entries) if entries else 0
    return Section("Intelligence", rows, "No intelligence you may see names this record.", actions,
                   [entry.id for entry in entries], more,
                   url_for("records.intelligence_list", **{record_type: record.id}) if more else None)
