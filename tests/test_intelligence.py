"""Intelligence entries: grading and validation, handling codes on every read (pages, lists, exports, the API),
the audit of each allowed read and of disclosures, and escaping of what users wrote."""
import csv
import io
from datetime import datetime, timedelta

import pytest
from test_api import bearer

from core import auth
from core.audit import AuditEvent
from core.errors import Invalid
from core.timeutil import utcnow
from records import intelligence
from records.models import IntelligenceEntry, IntelligenceRecipient, Person, Premises, Vehicle


def intelligence_subjects(author, person, vehicle, premises):
    """URL arguments for the intelligence routes (tests/test_permissions.py's route_subjects): a P-coded entry,
    which every role the rules let in may read."""
    entry = intelligence.create_entry(author, text="Route test entry.", source_evaluation=2,
                                      intelligence_assessment="B", handling_code="P",
                                      occurred_at=datetime(2026, 11, 1, 20), person_ids=[person.id],
                                      vehicle_ids=[vehicle.id], premises_ids=[premises.id])
    return {"entry_id": entry.id}


def bearer_for(user):
    return bearer(auth.issue_token(user, "test"))


@pytest.fixture
def world(make_org, make_user):
    """A police force that records a P-coded and a C-coded entry (the C one shared with the specialist team),
    another force, a licensing authority, a partner and an administrator."""
    police = make_org("police", name="Northshire Police")
    specialist = make_org("specialist", name="Northshire CSE Team")
    council = make_org("licensing", name="Eastbrook Council")
    constable = make_user("police", organisation=police)
    person = Person.create(name="Adrian Testwell")
    vehicle = Vehicle.create(registration="EB12ABC")
    premises = Premises.create(name="Corner Grill", type="takeaway", address="1 High Street")
    common = {"source_evaluation": 2, "intelligence_assessment": "B", "occurred_at": datetime(2026, 11, 2, 21),
              "person_ids": [person.id], "vehicle_ids": [vehicle.id], "premises_ids": [premises.id]}
    shared = intelligence.create_entry(constable, text="Vehicle seen parked outside late in the evening.",
                                       handling_code="P", **common)
    restricted = intelligence.create_entry(constable, text="Source reports regular late visits; source protected.",
                                           handling_code="C", handling_conditions="Not to be shared outside the "
                                           "named organisations without the originator's consent.",
                                           organisation_ids=[specialist.id], **common)
    users = {
        "police": make_user("police", organisation=police),
        "other_police": make_user("police", organisation=make_org("police", name="Westshire Police")),
        "specialist": make_user("specialist", organisation=specialist),
        "licensing_officer": make_user("licensing_officer", organisation=council),
        "manager": make_user("manager", organisation=council),
        "partner": make_user("partner"),
        "admin": make_user("admin", organisation=police),
    }
    return {"police": police, "specialist": specialist, "council": council, "constable": constable,
            "person": person, "vehicle": vehicle, "premises": premises, "P": shared, "C": restricted,
            "users": users}


# Who may read which code: P for police, specialist and licensing staff; C for the originating organisation and
# those its conditions name; partners and administrators never.
SEES = {"police": {"P", "C"}, "other_police": {"P"}, "specialist": {"P", "C"}, "licensing_officer": {"P"},
        "manager": {"P"}, "partner": set(), "admin": set()}


def reads(entry):
    return AuditEvent.select().where((AuditEvent.action == "intelligence.read")
                                     & (AuditEvent.record_id == entry.id)).count()


def intelligence_rows():
    return AuditEvent.select().where(AuditEvent.action.startswith("intelligence.")).count()


@pytest.mark.parametrize("role", sorted(SEES))
def test_every_role_against_p_and_c_entries_in_the_pages(client, log_in, world, role):
    user = world["users"][role]
    log_in(user)
    for code in ("P", "C"):
        entry = world[code]
        before = intelligence_rows()
        page = client.get(f"/intelligence/{entry.id}")
        if code not in SEES[role]:
            assert page.status_code in (403, 404)
            assert client.post(f"/intelligence/{entry.id}/open", data={"reason": "Curious"}).status_code in (403, 404)
            assert entry.text not in page.get_data(as_text=True)
            assert intelligence_rows() == before  # a refused read writes nothing
            continue
        assert page.status_code == 200
        if code == "P":
            assert entry.text in page.get_data(as_text=True)
            assert reads(entry) == 1
        else:
            # The reason form first: nothing of the entry's text, and no read yet.
            assert entry.text not in page.get_data(as_text=True)
            assert "Why you need to read it" in page.get_data(as_text=True)
            assert reads(entry) == 0
            refused = client.post(f"/intelligence/{entry.id}/open", data={"reason": "  "})
            assert entry.text not in refused.get_data(as_text=True) and reads(entry) == 0
            opened = client.post(f"/intelligence/{entry.id}/open", data={"reason": "Operation planning"})
            assert opened.status_code == 200 and entry.text in opened.get_data(as_text=True)
            event = AuditEvent.get((AuditEvent.action == "intelligence.read") & (AuditEvent.record_id == entry.id))
            assert "Operation planning" in event.reason and event.user_id == user.id
        assert intelligence_rows() == before + 1


@pytest.mark.parametrize("role", sorted(SEES))
def test_every_role_against_p_and_c_entries_in_the_api(client, world, role):
    headers = bearer_for(world["users"][role])
    for code in ("P", "C"):
        entry = world[code]
        before = intelligence_rows()
        answer = client.get(f"/api/v1/intelligence/{entry.id}", headers=headers)
        if code not in SEES[role]:
            assert answer.status_code in (403, 404)
            again = client.get(f"/api/v1/intelligence/{entry.id}?reason=Curious", headers=headers)
            assert again.status_code in (403, 404)
            assert intelligence_rows() == before
            continue
        if code == "C":
            assert answer.status_code == 422 and "reason" in answer.json["error"]["fields"]
            assert intelligence_rows() == before
            answer = client.get(f"/api/v1/intelligence/{entry.id}?reason=Briefing", headers=headers)
        assert answer.status_code == 200
        assert answer.json["text"] == entry.text and answer.json["grading"] == f"2B{code}"
        assert intelligence_rows() == before + 1 and reads(entry) == 1


@pytest.mark.parametrize("role", sorted(SEES))
def test_lists_show_each_role_only_what_its_handling_codes_allow(client, log_in, world, role):
    user = world["users"][role]
    answer = client.get("/api/v1/intelligence", headers=bearer_for(user))
    if not SEES[role]:
        assert answer.status_code == 403
    else:
        assert {item["id"] for item in answer.json["items"]} == {world[code].id for code in SEES[role]}
        # A C-coded entry is listed by its grading; its text is read one entry at a time, with a reason.
        assert all(item["text"] is None for item in answer.json["items"] if item["handling_code"] == "C")
    log_in(user)
    page = client.get("/intelligence")
    if not SEES[role]:
        assert page.status_code == 403
        return
    html = page.get_data(as_text=True)
    assert world["P"].text in html and world["C"].text not in html
    assert (f'/intelligence/{world["C"].id}"' in html) == ("C" in SEES[role])
    listed = AuditEvent.select().where(AuditEvent.action == "intelligence.list").order_by(AuditEvent.id.desc()).first()
    assert listed.user_id == user.id and str(world["P"].id) in listed.reason


def test_record_pages_show_linked_intelligence_under_the_handling_codes(client, log_in, world):
    person = world["person"]
    log_in(world["users"]["licensing_officer"])
    html = client.get(f"/records/people/{person.id}").get_data(as_text=True)
    assert world["P"].text in html
    assert f'/intelligence/{world["C"].id}"' not in html
    client.post("/logout")
    log_in(world["users"]["specialist"])
    html = client.get(f"/records/premises/{world['premises'].id}").get_data(as_text=True)
    assert f'/intelligence/{world["C"].id}"' in html and world["C"].text not in html  # behind its reason form
    assert "C-coded: open the entry" in html


def test_the_csv_export_respects_handling_and_is_audited(client, log_in, world):
    log_in(world["users"]["specialist"])
    response = client.get("/intelligence?format=csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["id", "occurred_at", "grading", "organisation", "text"]
    assert {row[0] for row in rows[1:]} == {str(world["P"].id), str(world["C"].id)}
    assert world["C"].text not in response.get_data(as_text=True)
    assert AuditEvent.select().where(AuditEvent.action == "intelligence.export").count() == 1
    exported = AuditEvent.get((AuditEvent.action == "intelligence.list") & AuditEvent.reason.startswith("CSV"))
    assert exported.user_id == world["users"]["specialist"].id
    assert exported.reason == f"CSV export: entries {world['C'].id}, {world['P'].id}"
    client.post("/logout")
    log_in(world["users"]["licensing_officer"])
    rows = list(csv.reader(io.StringIO(client.get("/intelligence?format=csv").get_data(as_text=True))))
    assert {row[0] for row in rows[1:]} == {str(world["P"].id)}


def test_searching_the_text_matches_a_c_coded_entry_only_for_its_author(world):
    # A recipient organisation and a colleague in the originating one both need a reason to read it, so the
    # text search must not match it for them either; its author reads it without one.
    assert list(intelligence.search(world["users"]["specialist"], q="source protected")) == []
    assert list(intelligence.search(world["users"]["police"], q="source protected")) == []
    assert [e.id for e in intelligence.search(world["constable"], q="source protected")] == [world["C"].id]
    assert [e.id for e in intelligence.search(world["users"]["police"], q="parked outside")] == [world["P"].id]


def test_the_reason_rule_is_one_rule_for_one_entry_and_for_a_query(world):
    for user in [world["constable"], *world["users"].values()]:
        free = {e.id for e in intelligence.readable_without_reason(user)}
        for entry in IntelligenceEntry.visible_to(user):
            assert (entry.id in free) == (not intelligence.needs_reason(entry, user)), (user.role, entry.id)
        assert free <= {e.id for e in IntelligenceEntry.visible_to(user)}


def test_the_author_opens_their_own_c_coded_entry_without_a_reason(client, log_in, world):
    log_in(world["constable"])
    page = client.get(f"/intelligence/{world['C'].id}")
    assert world["C"].text in page.get_data(as_text=True)
    assert "author's own entry" in AuditEvent.get(AuditEvent.action == "intelligence.read").reason


def test_recording_an_entry_in_the_page_links_it_and_shows_what_the_records_connect_to(client, log_in, world,
                                                                                        make_user):
    log_in(world["users"]["police"])
    form = client.get(f"/intelligence/new?person={world['person'].id}").get_data(as_text=True)
    assert "No child&#39;s name or identifying details" in form or "No child's name or identifying details" in form
    response = client.post("/intelligence/new", data={
        "text": "Two men seen moving boxes from the vehicle into the rear yard.", "occurred_at": "2026-07-01T22:30",
        "source_evaluation": "1", "intelligence_assessment": "A", "handling_code": "C",
        "handling_conditions": "Police and the CSE team only.", "handling_organisation_ids": [world["specialist"].id],
        "place_address": "Rear yard, 1 High Street", "place_postcode": "eb14qt",
        "person_ids": str(world["person"].id), "vehicle_ids": "eb12 abc", "premises_ids": str(world["premises"].id)})
    assert response.status_code == 302
    entry = IntelligenceEntry.select().order_by(IntelligenceEntry.id.desc()).first()
    assert (entry.grading, entry.place_postcode, entry.organisation_id) == ("1AC", "EB1 4QT", world["police"].id)
    assert entry.occurred_at == datetime(2026, 7, 1, 21, 30)  # 22:30 in London summer time is 21:30 UTC
    assert [r.organisation_id for r in entry.recipients] == [world["specialist"].id]
    disclosure = AuditEvent.get((AuditEvent.action == "intelligence.disclose") & (AuditEvent.record_id == entry.id))
    assert disclosure.recipient_ids == [world["specialist"].id]
    # Its author reads it straight away, with each named record and what it connects to.
    page = client.get(response.location).get_data(as_text=True)
    assert "Records it names, and what they connect to" in page
    assert "Adrian Testwell" in page and "EB12ABC" in page and "Corner Grill" in page
    assert "Both named with" in page or "Recorded at" in page


def test_the_form_says_what_is_wrong_and_keeps_what_was_typed(client, log_in, world, make_org):
    log_in(world["users"]["police"])
    partner = make_org("partner", name="Eastbrook Schools")
    response = client.post("/intelligence/new", data={
        "text": "Kept text", "occurred_at": (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "source_evaluation": "2", "intelligence_assessment": "B", "handling_code": "C", "handling_conditions": "",
        "handling_organisation_ids": [partner.id], "person_ids": "99999", "vehicle_ids": "ZZ99ZZZ",
        "premises_ids": "x1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Kept text" in html
    assert "No vehicle is recorded under ZZ99ZZZ" in html and "&#39;x1&#39; is not a record number" in html
    assert IntelligenceEntry.select().count() == 2
    with pytest.raises(Invalid) as error:
        intelligence.create_entry(world["constable"], text="", source_evaluation=4, intelligence_assessment="F",
                                  handling_code="C", occurred_at=utcnow() + timedelta(days=1),
                                  organisation_ids=[partner.id], place_postcode="nonsense", person_ids=[99999],
                                  vehicle_ids=[99999], premises_ids=[99999])
    assert set(error.value.fields) == {"text", "source_evaluation", "intelligence_assessment", "handling_conditions",
                                       "handling_organisation_ids", "occurred_at", "place_postcode", "person_ids",
                                       "vehicle_ids", "premises_ids"}
    assert "Partner agencies never see intelligence" in error.value.fields["handling_organisation_ids"]


def test_the_api_records_an_entry_and_lists_every_bad_field(client, world):
    headers = bearer_for(world["users"]["specialist"])
    created = client.post("/api/v1/intelligence", headers=headers, json={
        "text": "Vehicle seen twice at the premises.", "source_evaluation": 2, "intelligence_assessment": "C",
        "handling_code": "P", "occurred_at": "2026-11-20T19:15:00Z", "person_ids": [world["person"].id],
        "vehicle_ids": [world["vehicle"].id], "premises_ids": [world["premises"].id]})
    assert created.status_code == 201
    body = created.json
    assert body["grading"] == "2CP" and body["occurred_at"] == "2026-11-20T19:15:00Z"
    assert (body["person_ids"], body["vehicle_ids"], body["premises_ids"]) == (
        [world["person"].id], [world["vehicle"].id], [world["premises"].id])
    assert IntelligenceEntry.get_by_id(body["id"]).organisation_id == world["specialist"].id
    bad = client.post("/api/v1/intelligence", headers=headers, json={
        "text": "", "source_evaluation": "2", "intelligence_assessment": "Z", "handling_code": "C",
        "occurred_at": "last Tuesday", "person_ids": [424242], "vehicle_ids": "EB12ABC"})
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]) == {"text", "source_evaluation", "intelligence_assessment",
                                                "handling_conditions", "occurred_at", "person_ids", "vehicle_ids"}
    assert client.post("/api/v1/intelligence", headers=bearer_for(world["users"]["licensing_officer"]),
                       json={}).status_code == 403
    assert IntelligenceEntry.select().count() == 3


def test_visible_to_is_the_one_handling_query(world):
    users = world["users"]
    for role, codes in SEES.items():
        assert {e.id for e in IntelligenceEntry.visible_to(users[role])} == {world[c].id for c in codes}, role
    # Naming a licensing authority in the conditions lets its officers read the entry.
    IntelligenceRecipient.create(entry=world["C"], organisation=world["council"])
    assert intelligence.visible(world["C"].id, users["licensing_officer"]) is not None
    assert intelligence.visible(world["C"].id, users["manager"]) is not None
    assert intelligence.visible(world["C"].id, users["other_police"]) is None


def test_user_text_is_escaped_on_every_page(client, log_in, world):
    hostile = '<script>alert("x")</script>'
    person = Person.create(name=hostile)
    entry = intelligence.create_entry(world["constable"], text=hostile, source_evaluation=1,
                                      intelligence_assessment="A", handling_code="P",
                                      occurred_at=datetime(2026, 11, 3, 9), place_address=hostile,
                                      person_ids=[person.id])
    log_in(world["users"]["police"])
    for url in (f"/intelligence/{entry.id}", "/intelligence", f"/records/people/{person.id}",
                f"/records/people/{person.id}/network"):
        html = client.get(url).get_data(as_text=True)
        assert hostile not in html, url
    network = client.get(f"/records/people/{person.id}/network").get_data(as_text=True)
    assert "\\u003cscript\\u003e" in network  # the JSON the script reads, escaped for the page


def count_queries(monkeypatch):
    """A list that collects the SQL of every statement run from here on (for tests that queries do not grow per
    row)."""
    from core.db import db

    statements = []
    real = db.obj.execute_sql

    def execute_sql(sql, params=None, *args, **kwargs):
        statements.append(sql)
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(db.obj, "execute_sql", execute_sql)
    return statements


def _entries(world, n):
    IntelligenceEntry.delete().execute()
    for i in range(n):
        intelligence.create_entry(world["constable"], text=f"Entry {i}.", source_evaluation=2,
                                  intelligence_assessment="B", handling_code="P",
                                  occurred_at=datetime(2026, 11, 2, 21) - timedelta(hours=i),
                                  person_ids=[world["person"].id], vehicle_ids=[world["vehicle"].id],
                                  premises_ids=[world["premises"].id])


@pytest.mark.parametrize("url", ["/api/v1/intelligence", "/intelligence"])
def test_listing_intelligence_costs_the_same_queries_for_2_and_10_entries(client, log_in, world, monkeypatch, url):
    user = world["users"]["police"]
    headers = bearer_for(user) if url.startswith("/api") else {}
    if not headers:
        log_in(user)
    client.get(url, headers=headers)  # once first: a session's or token's first use writes a row of its own
    counts = []
    for n in (2, 10):
        _entries(world, n)
        statements = count_queries(monkeypatch)
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        counts.append(len(statements))
        monkeypatch.undo()
    assert counts[0] == counts[1], counts
    if url.startswith("/api"):
        item = response.json["items"][0]
        assert (item["person_ids"], item["vehicle_ids"], item["premises_ids"], item["handling_organisation_ids"]) \
            == ([world["person"].id], [world["vehicle"].id], [world["premises"].id], [])


def test_the_api_checks_a_new_entry_once(client, world, monkeypatch):
    calls = []
    real = intelligence.problems
    monkeypatch.setattr(intelligence, "problems", lambda *args: calls.append(args) or real(*args))
    response = client.post("/api/v1/intelligence", headers=bearer_for(world["constable"]), json={
        "text": "Seen again.", "source_evaluation": 2, "intelligence_assessment": "B", "handling_code": "P",
        "occurred_at": "2026-11-02T21:00:00Z", "person_ids": [world["person"].id]})
    assert response.status_code == 201 and len(calls) == 1
    assert response.json["person_ids"] == [world["person"].id]
    # A domain problem found by create_entry still comes back as a 422 naming the field.
    calls.clear()
    response = client.post("/api/v1/intelligence", headers=bearer_for(world["constable"]), json={
        "text": "Seen again.", "source_evaluation": 2, "intelligence_assessment": "B", "handling_code": "C",
        "occurred_at": "2026-11-02T21:00:00Z", "person_ids": [424242]})
    assert response.status_code == 422 and len(calls) == 1
    assert set(response.json["error"]["fields"]) == {"handling_conditions", "person_ids"}
