"""Links between people, vehicles and premises: the section and connection registries, the derived connections on a
hand-built graph (exactly the expected links, under each user's handling codes), and the network view."""
import json
import re
from datetime import date, datetime

import pytest
from helpers import login

from core.audit import AuditEvent
from core.models import User
from licensing import workflow as licensing
from licensing.models import Licence
from records import intelligence, links
from records.demo import DRIVER_LICENCES, TAKEAWAY, TAXI_OFFICE
from records.models import IntelligenceEntry, IntelligencePerson, Person, Premises, PremisesPerson, Vehicle
from test_intelligence import count_queries


@pytest.fixture
def graph(app, make_org, make_user):
    """Owen owns a takeaway (operated by Omar) and a shop; Petra holds operator licence OP-1 and owns its taxi
    office. Dan1 and Dan2 drive for OP-1 on the same vehicle V1; Dan4's licence with OP-1 is revoked; Dan3 drives
    V3 for no operator. Police intelligence: two P-coded entries put V2 at the taxi office (with Dan3, then
    Omar); two C-coded ones put V3 at the takeaway (the first naming Dan1); two graded E put V1 at the shop."""
    police = make_org("police", name="Northshire Police")
    council = make_org("licensing", name="Eastbrook Council")
    constable = make_user("police", organisation=police)
    people = {name: Person.create(name=name) for name in ("Owen", "Omar", "Petra", "Dan1", "Dan2", "Dan3", "Dan4")}
    vehicles = {name: Vehicle.create(registration=f"EB0{name[-1]}AAA") for name in ("V1", "V2", "V3")}
    premises = {"takeaway": Premises.create(name="Takeaway", type="takeaway", address="1 High Street"),
                "office": Premises.create(name="Taxi office", type="taxi_office", address="2 High Street"),
                "shop": Premises.create(name="Shop", type="shop", address="3 High Street")}
    for place, person, role in (("takeaway", "Owen", "owner"), ("takeaway", "Omar", "operator"),
                                ("shop", "Owen", "owner"), ("office", "Petra", "owner")):
        PremisesPerson.create(premises=premises[place], person=people[person], role=role)
    officer = make_user("licensing_officer", organisation=council)

    def licence(number, kind, holder, status="granted", **fields):
        return licensing.create_licence(officer, kind=kind, number=number, holder=people[holder], authority=council,
                                        status=status, granted_on=date(2025, 1, 1), **fields)

    operator = licence("OP-1", "phv_operator", "Petra")
    licence("D-1", "phv_driver", "Dan1", vehicle=vehicles["V1"], operator=operator)
    licence("D-2", "phv_driver", "Dan2", vehicle=vehicles["V1"], operator=operator)
    licence("D-3", "hackney_driver", "Dan3", vehicle=vehicles["V3"])
    licensing.change_status(licence("D-4", "phv_driver", "Dan4", operator=operator), "revoked", "Test", officer)

    def entry(code, grade, person=(), vehicle=(), place=()):
        return intelligence.create_entry(
            constable, text="Entry.", source_evaluation=2, intelligence_assessment=grade, handling_code=code,
            handling_conditions="Police only." if code == "C" else "", occurred_at=datetime(2026, 11, 1, 20),
            person_ids=[people[p].id for p in person], vehicle_ids=[vehicles[v].id for v in vehicle],
            premises_ids=[premises[p].id for p in place])

    entry("P", "B", person=["Dan3"], vehicle=["V2"], place=["office"])
    entry("P", "B", person=["Omar"], vehicle=["V2"], place=["office"])
    entry("C", "B", person=["Dan1"], vehicle=["V3"], place=["takeaway"])
    entry("C", "C", vehicle=["V3"], place=["takeaway"])
    entry("P", "E", vehicle=["V1"], place=["shop"])
    entry("P", "E", vehicle=["V1"], place=["shop"])
    return {"people": people, "vehicles": vehicles, "premises": premises, "constable": constable,
            "officer": officer, "partner": make_user("partner")}


def connections(record_type, record, user):
    """Every derived connection of a record, all of each list."""
    return [c for found in links.connection_lists(record_type, record, user, limit=1000) for c in found.connections]


def found(record_type, record, user):
    return {(c.kind, c.target_type, c.label) for c in connections(record_type, record, user)}


def test_derived_connections_on_a_hand_built_graph_for_the_police(graph):
    people, vehicles, premises, police = graph["people"], graph["vehicles"], graph["premises"], graph["constable"]
    assert found("person", people["Dan1"], police) == {
        ("shared_vehicle", "person", "Dan2"), ("operator_driver", "premises", "Taxi office")}
    assert found("person", people["Dan2"], police) == {
        ("shared_vehicle", "person", "Dan1"), ("operator_driver", "premises", "Taxi office")}
    assert found("person", people["Dan4"], police) == set()  # a revoked licence drives for nobody
    assert found("person", people["Omar"], police) == {
        ("shared_premises", "person", "Owen"), ("shared_premises", "person", "Dan3"),
        ("shared_vehicle", "person", "Dan3")}
    assert found("person", people["Owen"], police) == {("shared_premises", "person", "Omar")}
    assert found("premises", premises["office"], police) == {
        ("repeat_vehicle", "vehicle", "EB02AAA"), ("operator_driver", "person", "Dan1"),
        ("operator_driver", "person", "Dan2")}
    assert found("premises", premises["takeaway"], police) == {
        ("common_owner", "premises", "Shop"), ("repeat_vehicle", "vehicle", "EB03AAA")}
    # Named twice with the shop, but only in entries graded E: the shop is not flagged, so no repeat vehicle.
    assert found("premises", premises["shop"], police) == {("common_owner", "premises", "Takeaway")}
    assert found("vehicle", vehicles["V1"], police) == set()
    assert found("vehicle", vehicles["V2"], police) == {("repeat_vehicle", "premises", "Taxi office")}
    assert found("vehicle", vehicles["V3"], police) == {("repeat_vehicle", "premises", "Takeaway")}


def test_connections_through_c_coded_entries_are_not_derived_for_those_who_may_not_read_them(graph):
    officer, premises, vehicles = graph["officer"], graph["premises"], graph["vehicles"]
    assert found("premises", premises["takeaway"], officer) == {("common_owner", "premises", "Shop")}
    assert found("vehicle", vehicles["V3"], officer) == set()
    assert found("premises", premises["office"], officer) == {
        ("repeat_vehicle", "vehicle", "EB02AAA"), ("operator_driver", "person", "Dan1"),
        ("operator_driver", "person", "Dan2")}
    # A partner sees nothing derived from intelligence at all.
    assert found("premises", premises["office"], graph["partner"]) == set()


def test_each_connection_says_why(graph):
    why = {c.label: c.why for c in connections("premises", graph["premises"]["office"], graph["constable"])}
    assert why["EB02AAA"] == "Recorded at Taxi office (flagged) in 2 intelligence entries"
    assert why["Dan1"] == ("Driver licence D-1 is with operator OP-1, whose holder is owner of Taxi office "
                           "(flagged premises)")


def test_the_record_pages_render_every_registered_section(client, log_in, graph):
    log_in(graph["officer"])
    html = client.get(f"/records/people/{graph['people']['Dan1'].id}").get_data(as_text=True)
    for heading in ("Licences", "Intelligence", "Connections"):
        assert f">{heading}</h2>" in html
    assert "D-1" in html and "Add a licence for Dan1" in html
    assert "Both hold licences on vehicle EB01AAA" in html
    html = client.get(f"/records/vehicles/{graph['vehicles']['V1'].id}").get_data(as_text=True)
    assert "D-1" in html and "held by Dan2" in html


def test_a_registered_section_appears_in_its_order(client, log_in, graph, monkeypatch):
    monkeypatch.setattr(links, "_sections", list(links._sections))

    @links.record_section(order=25)
    def extra(record_type, record, user):
        return links.Section("Disruption actions", [("Visit <planned>", None, "detail")], "None")

    log_in(graph["constable"])
    html = client.get(f"/records/people/{graph['people']['Dan1'].id}").get_data(as_text=True)
    assert html.index(">Licences</h2>") < html.index(">Disruption actions</h2>") < html.index(">Intelligence</h2>")
    assert "Visit &lt;planned&gt;" in html


def network_data(client, url):
    html = client.get(url).get_data(as_text=True)
    return json.loads(re.search(r'<script type="application/json" id="network-data">(.*?)</script>', html,
                                re.S).group(1))


def test_the_network_reaches_depth_two_and_respects_handling(client, log_in, graph):
    takeaway = graph["premises"]["takeaway"]
    log_in(graph["constable"])
    data = network_data(client, f"/records/premises/{takeaway.id}/network")
    nodes = {node["id"]: node for node in data["nodes"]}
    assert nodes[f"premises-{takeaway.id}"]["level"] == 0
    assert nodes[f"person-{graph['people']['Owen'].id}"]["level"] == 1
    assert nodes[f"premises-{graph['premises']['shop'].id}"]["level"] == 1
    # Depth 2: Dan1 through the C-coded entry naming him with the takeaway; Dan3 through V3's licence.
    assert nodes[f"person-{graph['people']['Dan1'].id}"]["level"] == 2
    assert nodes[f"person-{graph['people']['Dan3'].id}"]["level"] == 2
    # The two C-coded entries on the takeaway one step out; Omar's and the shop's P-coded entries two steps out.
    entries = [node for node in data["nodes"] if node["group"] == "intelligence"]
    assert sorted(node["level"] for node in entries) == [1, 1, 2, 2, 2]
    assert all(node["url"].startswith("/") for node in data["nodes"])
    client.post("/logout")
    log_in(graph["officer"])
    data = network_data(client, f"/records/premises/{takeaway.id}/network")
    restricted = {f"intelligence-{e.id}"
                  for e in IntelligenceEntry.select().where(IntelligenceEntry.handling_code == "C")}
    shown = {node["id"] for node in data["nodes"]}
    assert len(restricted) == 2 and not restricted & shown
    assert f"person-{graph['people']['Dan1'].id}" not in shown  # only the C-coded entry links him here
    assert not any(edge["from"] in restricted or edge["to"] in restricted for edge in data["edges"])


def test_vis_network_is_served_from_the_installed_package(client, log_in, graph):
    log_in(graph["constable"])
    script = client.get("/vendor/vis-network.min.js")
    assert script.status_code == 200 and b"vis" in script.data[:2000]
    assert client.get("/vendor/vis-network.css").status_code == 200


def test_seed_demo_links_three_drivers_to_two_premises_once(app, runner, client):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    runner.invoke(args=["seed-demo"])
    assert Premises.select().where(Premises.name.in_([TAKEAWAY, TAXI_OFFICE])).count() == 2
    assert sorted(e.handling_code for e in IntelligenceEntry.select()) == ["C", "P", "P", "P"]
    holders = {licence.holder_id for licence in Licence.select().where(Licence.number.in_(DRIVER_LICENCES))}
    assert {link.person_id for link in IntelligencePerson.select()} == holders and len(holders) == 3
    constable = User.by_email("police@example.org")
    takeaway = Premises.get(Premises.name == TAKEAWAY)
    kinds = {c.kind for c in connections("premises", takeaway, constable)}
    assert "repeat_vehicle" in kinds
    office = Premises.get(Premises.name == TAXI_OFFICE)
    assert "operator_driver" in {c.kind for c in connections("premises", office, constable)}
    # The demo's pages draw: the takeaway's record and its network, as the demo police officer.
    password = next(line.split()[2] for line in first.output.splitlines() if "police@example.org" in line)
    assert login(client, "police@example.org", password).status_code == 302
    assert client.get(f"/records/premises/{takeaway.id}").status_code == 200
    assert client.get(f"/records/premises/{takeaway.id}/network").status_code == 200


def test_a_persons_page_lists_the_hearings_of_their_licences_for_those_invited(app, client, log_in, graph):
    dan1 = graph["people"]["Dan1"]
    licence = Licence.get(Licence.number == "D-1")
    with app.app_context():  # the invitations go out as follow-ups
        licensing.schedule_hearing(licence.authority, datetime(2026, 12, 3, 10), "Committee room 2", [licence],
                                   [graph["constable"].organisation_id], graph["officer"])
    log_in(graph["constable"])
    html = client.get(f"/records/people/{dan1.id}").get_data(as_text=True)
    assert ">Panel hearings</h2>" in html and "Licence D-1 · Committee room 2" in html


def listing_rows(user):
    return list(AuditEvent.select().where((AuditEvent.action == "intelligence.list") & (AuditEvent.user == user.id))
                .order_by(AuditEvent.id))


def test_only_entries_read_without_a_reason_derive_anything_and_each_is_audited(client, log_in, graph, make_user):
    """A colleague of the author (same force, so the C-coded entries are visible to them) needs a reason to read
    those entries: nothing derived from them reaches the colleague, not even whether the takeaway is flagged."""
    people, vehicles, premises = graph["people"], graph["vehicles"], graph["premises"]
    colleague = make_user("police", organisation=graph["constable"].organisation)
    assert found("premises", premises["takeaway"], colleague) == {("common_owner", "premises", "Shop")}
    assert found("vehicle", vehicles["V3"], colleague) == set()
    assert found("person", people["Dan1"], colleague) == {
        ("shared_vehicle", "person", "Dan2"), ("operator_driver", "premises", "Taxi office")}
    assert premises["takeaway"].id not in links.flagging_entries(colleague, [premises["takeaway"].id])
    assert premises["takeaway"].id in links.flagging_entries(graph["constable"], [premises["takeaway"].id])

    log_in(colleague)
    data = network_data(client, f"/records/premises/{premises['takeaway'].id}/network")
    restricted = {f"intelligence-{e.id}"
                  for e in IntelligenceEntry.select().where(IntelligenceEntry.handling_code == "C")}
    shown = {node["id"] for node in data["nodes"]}
    assert not restricted & shown and f"vehicle-{vehicles['V3'].id}" not in shown
    assert f"person-{people['Dan1'].id}" not in shown

    # The office's page: its connections come from the two P-coded entries flagging it and naming V2 there, and
    # one listing row names them (with the entries the Intelligence section shows).
    office_entries = sorted(e.id for e in IntelligenceEntry.select().where(IntelligenceEntry.handling_code == "P")
                            .where(IntelligenceEntry.intelligence_assessment == "B"))
    lists = links.connection_lists("premises", premises["office"], colleague)
    assert links.entries_used(lists) == office_entries
    before = len(listing_rows(colleague))
    client.get(f"/records/premises/{premises['office'].id}")
    rows = listing_rows(colleague)[before:]
    assert len(rows) == 1 and rows[0].reason.startswith(f"premises {premises['office'].id} page: entries ")
    assert sorted(int(i) for i in rows[0].reason.split("entries ")[1].split(", ")) == office_entries
    # The network's row names the entries its derived edges came from, though no entry node is drawn for them.
    client.get(f"/records/vehicles/{vehicles['V2'].id}/network")
    assert all(str(i) in listing_rows(colleague)[-1].reason for i in office_entries)


def test_the_author_derives_from_their_own_c_coded_entries_with_the_ids_audited(client, log_in, graph):
    takeaway = graph["premises"]["takeaway"]
    restricted = sorted(e.id for e in IntelligenceEntry.select().where(IntelligenceEntry.handling_code == "C"))
    repeat = [c for c in connections("premises", takeaway, graph["constable"]) if c.kind == "repeat_vehicle"]
    assert len(repeat) == 1 and list(repeat[0].entries) == restricted
    log_in(graph["constable"])
    client.get(f"/records/premises/{takeaway.id}")
    assert all(str(i) in listing_rows(graph["constable"])[-1].reason for i in restricted)


def test_the_network_asks_for_each_level_at_once(app, graph, monkeypatch):
    """A level's records are asked for together, one query per finder and record type: the network of an owner of
    10 premises costs the queries of an owner of 2, and no node is looked up on its own."""
    owner = Person.create(name="Landlord")

    def fail(*args, **kwargs):
        raise AssertionError("a node looked up on its own")

    counts = []
    for n in (2, 10):
        for i in range(len(PremisesPerson.select().where(PremisesPerson.person == owner)), n):
            PremisesPerson.create(person=owner, role="owner", premises=Premises.create(
                name=f"Unit {i}", type="shop", address=f"{i} Market Street"))
        monkeypatch.setattr(Premises, "get_or_none", fail)
        monkeypatch.setattr(Person, "get_or_none", fail)
        statements = count_queries(monkeypatch)
        with app.test_request_context():
            data = links.network("person", owner, graph["constable"])
        monkeypatch.undo()
        assert len([node for node in data["nodes"] if node["group"] == "premises"]) == n
        # Level 2 reached: the units are connected to each other through their common owner.
        assert any(edge["label"] == "Also owned by Landlord" for edge in data["edges"])
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_the_licences_section_costs_the_same_queries_for_2_and_10_licences(client, log_in, graph, monkeypatch):
    holder = Person.create(name="Many Licences")
    council = graph["officer"].organisation
    log_in(graph["officer"])
    client.get(f"/records/people/{holder.id}")
    counts = []
    for n in (2, 10):
        for i in range(Licence.select().where(Licence.holder == holder).count(), n):
            Licence.create(kind="phv_driver", number=f"ML-{i}", holder=holder, authority=council, status="granted")
        statements = count_queries(monkeypatch)
        html = client.get(f"/records/people/{holder.id}").get_data(as_text=True)
        monkeypatch.undo()
        assert html.count(council.name) >= n
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


# -- bounded pages: the first TOP of each list, "and N more", the rest a page at a time

def note(constable, people=(), vehicles=(), premises=(), grade="B"):
    """A P-coded entry by constable naming these records."""
    return intelligence.create_entry(
        constable, text="Seen together.", source_evaluation=2, intelligence_assessment=grade, handling_code="P",
        occurred_at=datetime(2026, 11, 1, 20), person_ids=[p.id for p in people],
        vehicle_ids=[v.id for v in vehicles], premises_ids=[p.id for p in premises])


def busy_records(graph, n, tag):
    """A person and a takeaway with n of every kind of link a record page lists: co-operators, people named with
    the person's premises and vehicle, licence holders on the person's vehicle, flagged premises of the operator
    the person drives for; vehicles seen twice at the takeaway, premises with the same owner, drivers of the
    operator whose holder runs it; and n entries naming the person."""
    constable, council = graph["constable"], graph["officer"].organisation
    person = Person.create(name=f"{tag} Person")
    owner = Person.create(name=f"{tag} Owner")
    takeaway = Premises.create(name=f"{tag} Takeaway", type="takeaway", address="1 Busy Street")
    van = Vehicle.create(registration=f"{tag}01VAN")
    PremisesPerson.create(premises=takeaway, person=person, role="owner")
    PremisesPerson.create(premises=takeaway, person=owner, role="operator")
    operator = Licence.create(kind="phv_operator", number=f"{tag}-OP", holder=owner, authority=council,
                              status="granted")
    Licence.create(kind="phv_driver", number=f"{tag}-D", holder=person, authority=council, status="granted",
                   operator=operator)
    Licence.create(kind="phv_vehicle", number=f"{tag}-V", holder=person, authority=council, status="granted",
                   vehicle=van)
    for i in range(n):
        other = Person.create(name=f"{tag} Other {i:02d}")
        PremisesPerson.create(premises=takeaway, person=other, role="operator")
        note(constable, people=[person, other], vehicles=[van], premises=[takeaway])
        Licence.create(kind="phv_vehicle", number=f"{tag}-V{i}", holder=other, authority=council,
                       status="granted", vehicle=van)
        Licence.create(kind="phv_driver", number=f"{tag}-D{i}", holder=other, authority=council,
                       status="granted", operator=operator)
        office = Premises.create(name=f"{tag} Office {i:02d}", type="taxi_office", address=f"{i} Rank Street")
        PremisesPerson.create(premises=office, person=owner, role="owner")
        note(constable, premises=[office])
        shop = Premises.create(name=f"{tag} Shop {i:02d}", type="shop", address=f"{i} Market Street")
        PremisesPerson.create(premises=shop, person=person, role="owner")
        car = Vehicle.create(registration=f"{tag}{i:02d}CAR")
        note(constable, vehicles=[car], premises=[takeaway])
        note(constable, vehicles=[car], premises=[takeaway])
    return person, takeaway


def test_a_record_page_costs_the_same_queries_however_much_is_linked(client, log_in, graph, monkeypatch):
    """Several linked rows of every kind, or many: the person's and the premises' pages run the same statements,
    and with many each list shows its first TOP and says how many more there are."""
    few, many = 3, links.TOP + 12
    records = {"few": busy_records(graph, few, "FW"), "many": busy_records(graph, many, "MN")}
    log_in(graph["constable"])
    counts, more = {}, {}
    for size, (person, takeaway) in records.items():
        for url in (f"/records/people/{person.id}", f"/records/premises/{takeaway.id}"):
            client.get(url)  # first sight of each table, for SQLite's statistics (core.db.optimize)
            statements = count_queries(monkeypatch)
            html = client.get(url).get_data(as_text=True)
            monkeypatch.undo()
            counts.setdefault(url.split("/")[2], []).append(len(statements))
            if size == "many":
                more[url.split("/")[2]] = sorted(int(n) for n in re.findall(r"and (\d+) more", html))
    assert counts["people"][0] == counts["people"][1] and counts["premises"][0] == counts["premises"][1], counts
    beyond = many - links.TOP
    # The person: the owner co-operates and runs one more flagged premises; its Intelligence and Premises sections
    # show 20 of its entries and of its shops and takeaway. The takeaway: the van is seen there too, the person
    # drives for its operator, and 3 entries per other record name it.
    assert more["people"] == sorted([beyond + 1, beyond, beyond, beyond, beyond + 1,
                                     many - links.SECTION_ENTRIES, many + 1 - links.SECTION_ENTRIES])
    assert more["premises"] == sorted([beyond + 1, beyond, beyond + 1, 3 * many - links.SECTION_ENTRIES])
    person = records["many"][0]
    html = client.get(f"/records/people/{person.id}").get_data(as_text=True)
    assert f'href="/intelligence?person={person.id}">and {many - links.SECTION_ENTRIES} more</a>' in html
    # The rest of the person's premises are a list on the connections page, alphabetical as the section is.
    rest = f"/records/people/{person.id}/connections?list=owners_and_operators"
    assert f'href="{rest}">and {many + 1 - links.SECTION_ENTRIES} more</a>' in html
    names = re.findall(r">(MN (?:Shop \d+|Takeaway))</a>", client.get(rest).get_data(as_text=True).split("<h2")[1])
    assert names == sorted(names) and len(names) == many + 1


def test_each_list_shows_its_first_few_and_the_rest_a_page_at_a_time(app, client, log_in, graph):
    """Co-operators are listed alphabetically: the page shows the first TOP and "and N more", which opens the whole
    list, a page at a time, each person exactly once, in the same order."""
    n = links.TOP + 7
    person, _ = busy_records(graph, n, "PG")
    everyone = [f"PG Other {i:02d}" for i in range(n)] + ["PG Owner"]
    log_in(graph["constable"])
    html = client.get(f"/records/people/{person.id}").get_data(as_text=True)
    block = html.split("Owners and operators of the same premises")[1].split("</table>")[0]
    assert re.findall(r">(PG O[^<]*)</a>", block) == everyone[:links.TOP]
    more = f"/records/people/{person.id}/connections?list=co_owners"
    assert f'href="{more}">and {n + 1 - links.TOP} more</a>' in html
    app.config["PER_PAGE"] = 5
    listed = []
    for page in range(1, 5):  # 18 people, 5 a page
        answer = client.get(f"{more}&page={page}")
        assert answer.status_code == 200
        listed += re.findall(r">(PG O[^<]*)</a>", answer.get_data(as_text=True).split("<h2")[1])
    assert listed == everyone
    past = client.get(f"{more}&page=5")  # past the end: back to the first page
    assert past.status_code == 302 and past.location == more
    assert client.get(f"/records/people/{person.id}/connections?list=no_such_list").status_code == 404
    assert client.get(f"/records/vehicles/{graph['vehicles']['V1'].id}/connections?list=co_owners").status_code == 404
    viewed = AuditEvent.select().where((AuditEvent.action == "connections.view")
                                       & (AuditEvent.record_id == person.id)).count()
    assert viewed == 4  # each page shown is audited; the refused ones are not


def test_a_page_audits_the_entries_behind_the_connections_it_shows_and_no_others(client, log_in, graph):
    """People named with the person's premises, strongest first: the one named there three times leads; the
    listing row names the entries behind the TOP shown, and the list's own page names the rest when it shows
    them."""
    constable = graph["constable"]
    person = Person.create(name="Regular")
    cafe = Premises.create(name="Cafe", type="takeaway", address="9 Quay")
    others = [Person.create(name=f"Visitor {i:02d}") for i in range(links.TOP + 3)]
    note(constable, people=[person], premises=[cafe])
    behind = {other.id: [note(constable, people=[other], premises=[cafe]).id] for other in others}
    strongest = others[-1]
    behind[strongest.id] += [note(constable, people=[strongest], premises=[cafe]).id for _ in range(2)]
    log_in(constable)
    html = client.get(f"/records/people/{person.id}").get_data(as_text=True)
    block = html.split("People named with the same premises in intelligence")[1].split("</table>")[0]
    shown = re.findall(r">(Visitor \d+)</a>", block)
    assert shown[0] == strongest.name and len(shown) == links.TOP
    assert "Both named with Cafe in intelligence (3 entries naming them there)" in block
    by_name = {other.name: other.id for other in others}
    row = listing_rows(constable)[-1]
    audited = {int(i) for i in row.reason.split("entries ")[1].split(", ")}
    shown_entries = {e for name in shown for e in behind[by_name[name]]}
    hidden = {e for other in others if other.name not in shown for e in behind[other.id]}
    assert shown_entries <= audited and not hidden & audited and len(hidden) == 3
    client.get(f"/records/people/{person.id}/connections?list=named_with_premises")
    assert hidden <= {int(i) for i in listing_rows(constable)[-1].reason.split("entries ")[1].split(", ")}


def test_the_network_stops_at_its_node_limit(app, graph):
    """An owner of 30 premises, each named with them in an entry, drawn with room for 10 nodes: 10 are drawn, the
    view says it is cut, no record is expanded further, and only entries behind what is drawn are audited."""
    constable = graph["constable"]
    owner = Person.create(name="Big Landlord")
    for i in range(30):
        unit = Premises.create(name=f"Unit {i:02d}", type="shop", address=f"{i} Arcade")
        PremisesPerson.create(premises=unit, person=owner, role="owner")
        note(constable, people=[owner], premises=[unit])
    with app.test_request_context():
        data = links.network("person", owner, constable, limit=10)
        whole = links.network("person", owner, constable)
    assert len(data["nodes"]) == 10 and data["truncated"]
    assert {node["level"] for node in data["nodes"]} == {0, 1}  # nothing beyond the first step
    drawn = {node["id"] for node in data["nodes"]}
    assert all(edge["from"] in drawn and edge["to"] in drawn for edge in data["edges"])
    assert set(data["entries"]) == {int(node["id"].split("-")[1]) for node in data["nodes"]
                                    if node["group"] == "intelligence"}
    # With room, the premises' own entries are two steps out and their common owner links them to each other.
    assert len(whole["nodes"]) == 61 and not whole["truncated"] and len(whole["entries"]) == 30
