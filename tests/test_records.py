"""People, vehicles and premises: adding them through pages and the API, normalising, searching, auditing."""
import re
from datetime import date, timedelta

import pytest
from helpers import PASSWORD, csrf_token_from

from core import auth
from core.audit import AuditEvent
from core.db import db, is_sqlite, migration_runner, open_database
from records import workflow
from records.models import Person, Premises, PremisesPerson, Vehicle

XSS = "<script>alert(1)</script>"


def bearer(user):
    return {"Authorization": f"Bearer {auth.issue_token(user, 'test')}"}


@pytest.fixture
def officer(make_user):
    return make_user("police")


@pytest.fixture
def api(client, officer):
    """post(path, body) / get(path) as the police officer's API token."""
    headers = bearer(officer)

    class Api:
        def post(self, path, body):
            return client.post(f"/api/v1{path}", json=body, headers=headers)

        def get(self, path):
            return client.get(f"/api/v1{path}", headers=headers)

    return Api()


# Pages

def test_police_add_a_person_with_aliases_and_the_addition_is_audited(client, officer, log_in):
    log_in(officer)
    response = client.post("/records/people/new", data={"name": " Dale Fenwick ", "aliases": "Del\n\n  Fen  \n",
                                                         "date_of_birth": "1979-03-14"})
    person = Person.get(Person.name == "Dale Fenwick")
    assert response.status_code == 302 and response.location == f"/records/people/{person.id}"
    assert person.alias_list == ["Del", "Fen"] and person.date_of_birth == date(1979, 3, 14)
    assert person.created_by_id == officer.id
    event = AuditEvent.search(action="person.create").get()
    assert (event.record_id, event.user_id) == (person.id, officer.id)


def test_person_form_refuses_a_missing_name_and_a_future_date_of_birth(client, officer, log_in):
    log_in(officer)
    tomorrow = (workflow.today() + timedelta(days=1)).isoformat()
    page = client.post("/records/people/new", data={"name": "", "date_of_birth": tomorrow}).get_data(as_text=True)
    assert "This field is required." in page and "A date of birth cannot be in the future." in page
    page = client.post("/records/people/new", data={"name": "A", "date_of_birth": "31/02/1980"}).get_data(as_text=True)
    assert "Not a valid date value." in page
    assert Person.select().count() == 0


def test_opening_a_person_is_an_audited_read_showing_premises_and_licences(client, officer, log_in):
    person = workflow.create_person(officer, "Carl Ashdown", date(1970, 1, 2), ["Ash"])
    premises = workflow.create_premises(officer, "Ashdown Grill", "takeaway", "4 Mill Lane, Eastbrook", "eb1 4qt")
    workflow.link_person(officer, premises, person, "owner")
    log_in(officer)
    page = client.get(f"/records/people/{person.id}").get_data(as_text=True)
    assert "Carl Ashdown" in page and "Ash" in page and "02 Jan 1970" in page
    assert "Ashdown Grill" in page and "Owner" in page
    assert "Holds no licence on any register here." in page
    read = AuditEvent.search(action="person.view").get()
    assert (read.record_type, read.record_id, read.user_id) == ("person", person.id, officer.id)
    assert client.get("/records/people/999999").status_code == 404


def test_person_page_lists_the_licences_held(client, officer, make_org, log_in):
    from licensing.models import Licence

    person = workflow.create_person(officer, "Nadia Brook")
    Licence.create(kind="phv_driver", number="PHD-2041", holder=person, authority=make_org("licensing"),
                   status="granted")
    log_in(officer)
    page = client.get(f"/records/people/{person.id}").get_data(as_text=True)
    assert "PHD-2041" in page and "granted" in page


def test_a_registration_is_normalised_and_validated(client, officer, log_in):
    log_in(officer)
    response = client.post("/records/vehicles/new", data={"registration": "ab12 cde", "make": "Toyota",
                                                          "model": "Prius", "colour": "Silver"})
    vehicle = Vehicle.get(Vehicle.registration == "AB12CDE")
    assert response.location == f"/records/vehicles/{vehicle.id}"
    assert "Silver Toyota Prius" == vehicle.description
    page = client.post("/records/vehicles/new", data={"registration": "ABCDEF"}).get_data(as_text=True)
    assert "A registration mark has both letters and digits" in page
    page = client.post("/records/vehicles/new", data={"registration": "X"}).get_data(as_text=True)
    assert "A registration mark has 2 to 8 letters and digits" in page
    assert AuditEvent.search(action="vehicle.create").count() == 1


def test_a_duplicate_registration_links_to_the_vehicle_already_recorded(client, officer, log_in):
    vehicle = workflow.create_vehicle(officer, "AB12CDE")
    log_in(officer)
    response = client.post("/records/vehicles/new", data={"registration": " Ab12-cde "})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "AB12CDE is already recorded" in page
    assert f'href="/records/vehicles/{vehicle.id}"' in page
    assert Vehicle.select().count() == 1


def test_premises_are_added_with_a_normalised_postcode_and_not_yet_located(client, officer, log_in):
    log_in(officer)
    response = client.post("/records/premises/new", data={"name": "Harbour Ink", "type": "tattoo_piercing",
                                                          "address": "12 Quay Street\nEastbrook", "postcode": "eb14qt"})
    premises = Premises.get(Premises.name == "Harbour Ink")
    assert response.location == f"/records/premises/{premises.id}"
    assert premises.postcode == "EB1 4QT" and premises.location is None
    page = client.get(response.location).get_data(as_text=True)
    assert "Tattoo or piercing studio" in page and "Not yet located" in page and "EB1 4QT" in page
    assert AuditEvent.search(action="premises.create").get().record_id == premises.id


def test_premises_form_explains_each_bad_field(client, officer, log_in):
    log_in(officer)
    page = client.post("/records/premises/new", data={"name": "", "type": "casino", "address": "",
                                                      "postcode": "NOT A CODE"}).get_data(as_text=True)
    assert "Not a valid choice" in page
    assert "That is not a UK postcode." in page
    assert page.count("This field is required.") == 2
    assert Premises.select().count() == 0


def test_a_located_premises_shows_its_location(client, officer, log_in):
    premises = workflow.create_premises(officer, "Station Hotel", "hotel", "1 Station Road")
    Premises.update(lat=51.5, lon=-0.12, location_precision="postcode", location_source="gazetteer").execute()
    log_in(officer)
    page = client.get(f"/records/premises/{premises.id}").get_data(as_text=True)
    assert "51.50000, -0.12000" in page and "postcode, from gazetteer" in page and "Not yet located" not in page


def test_linking_owners_and_operators_to_premises(client, officer, log_in):
    premises = workflow.create_premises(officer, "Quay Cabs", "taxi_office", "2 Quay Street")
    person = workflow.create_person(officer, "Rhys Calder")
    log_in(officer)
    url = f"/records/premises/{premises.id}/people"
    assert client.post(url, data={"person_id": person.id, "role": "operator"}).status_code == 302
    page = client.post(url, data={"person_id": person.id, "role": "operator"}).get_data(as_text=True)
    assert "Rhys Calder is already recorded as operator of Quay Cabs." in page
    page = client.post(url, data={"person_id": 999999, "role": "owner"}).get_data(as_text=True)
    assert "No person has this record number." in page
    assert [(link.person_id, link.role) for link in PremisesPerson.select()] == [(person.id, "operator")]
    page = client.get(f"/records/premises/{premises.id}").get_data(as_text=True)
    assert "Rhys Calder" in page and "Operator" in page
    assert AuditEvent.search(action="premises.link_person").get().reason == f"person {person.id} as operator"


def test_search_finds_people_vehicles_and_premises_and_is_audited(client, officer, log_in):
    workflow.create_person(officer, "Karen Mills", aliases=["Kay Westford"])
    workflow.create_person(officer, "Tom Brandt")
    workflow.create_vehicle(officer, "WF19 XYZ", make="Ford")
    workflow.create_premises(officer, "Westford Kebab", "takeaway", "9 High Street", "EB2 1AB")
    log_in(officer)
    page = client.get("/records?q=westford").get_data(as_text=True)
    assert "Karen Mills" in page and "Westford Kebab" in page and "Tom Brandt" not in page
    assert "No registration contains" in page
    assert 'href="/records/people/new?name=Ian+Holt"' in client.get("/records?q=Ian Holt").get_data(as_text=True)
    assert 'href="/records/vehicles/new"' in page  # "westford" is no registration to start the form with
    assert "WF19XYZ" in client.get("/records?q=wf19 xyz").get_data(as_text=True)
    assert 'href="/records/vehicles/new?registration=ZZ99+ZZZ"' in client.get("/records?q=ZZ99 ZZZ").get_data(
        as_text=True)
    assert 'value="Ian Holt"' in client.get("/records/people/new?name=Ian Holt").get_data(as_text=True)
    by_postcode = client.get("/records?q=eb21ab").get_data(as_text=True)
    assert "Westford Kebab" in by_postcode and "No person&#39;s name or alias contains" in by_postcode
    assert "9 High Street" in client.get("/records?q=high street").get_data(as_text=True)
    assert [e.reason for e in AuditEvent.search(action="records.search")][-1] == "westford"


def test_search_without_a_query_explains_itself_and_lists_nothing(client, officer, log_in):
    workflow.create_person(officer, "Karen Mills")
    log_in(officer)
    page = client.get("/records").get_data(as_text=True)
    assert "Search people by name or alias" in page and "Karen Mills" not in page
    assert not AuditEvent.search(action="records.search").exists()
    assert "Karen Mills" not in client.get("/records?q=%25").get_data(as_text=True)  # LIKE wildcards are literal
    assert "No registration contains" in client.get("/records?q=---").get_data(as_text=True)


def test_names_match_in_any_case_literally_and_short_terms_at_the_start_of_a_word(client, officer, log_in):
    for name, aliases in (("Émile Roux", []), ("Kevin Ng", ["Tom Bell"]), ("Ngozi Adebayo", []), ("Lisa Wong", []),
                          ("Jo Anne Price", []), ("Jay Brook", ["Jo_Ann Brook"])):
        workflow.create_person(officer, name, aliases=aliases)
    log_in(officer)

    def people(q):
        page = client.get("/records", query_string={"q": q, "section": "people"}).get_data(as_text=True)
        return sorted(re.findall(r'href="/records/people/\d+">([^<]+)</a>', page))

    assert people("ÉMILE") == people("éMiLe r") == ["Émile Roux"]  # case, in any alphabet
    assert people("Emile") == []  # accents count
    assert people("ng") == ["Kevin Ng", "Ngozi Adebayo"]  # two letters: the start of a word, so not Wong
    assert people("to") == ["Kevin Ng"]  # an alias's words too
    assert people("bell") == ["Kevin Ng"] and people("ng tom") == []  # a name and an alias are apart
    assert people("n") == [] and "at least two characters" in client.get("/records?q=n").get_data(as_text=True)
    assert people("jo_ann") == ["Jay Brook"] and people("o%a") == []  # _ and % are no wildcards
    assert people("  kevin   ng ") == ["Kevin Ng"]


def test_name_search_reads_the_trigram_index_not_every_person(app):
    """The planner can use migration 0010's index only for the very expression Person.matching_ids spells."""
    query = Person.search("khan")
    sql, params = query.sql()
    if is_sqlite():
        plan = " / ".join(row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
        assert "person_name_search VIRTUAL TABLE" in plan and "SCAN t1" not in plan, plan
    else:
        with db.atomic():
            db.execute_sql("SET LOCAL enable_seqscan = off")  # a table this small would be read whole anyway
            plan = " / ".join(row[0] for row in db.execute_sql("EXPLAIN " + sql, params))
        assert "person_names_trgm" in plan, plan


def test_migration_0010_indexes_the_people_already_recorded(tmp_path):
    db.initialize(open_database(f"sqlite:///{tmp_path / 'old.db'}"))
    runner = migration_runner()
    runner.up("0009_licensing_search")
    db.execute_sql("INSERT INTO person (id, name, aliases, created_at) "
                   "VALUES (1, 'Cal Oldrow', 'Kal Ng', '2026-01-01')")
    runner.up("0010_name_search")
    assert [p.id for p in Person.search("oldrow")] == [1] and [p.id for p in Person.search("ng")] == [1]
    assert runner.down("0010_name_search") == ["0010_name_search"]
    assert not db.table_exists("person_name_search")
    db.close()


def test_each_search_section_pages_on_its_own(client, app, officer, log_in):
    for number in range(13):
        workflow.create_person(officer, f"Sam Porter {number:02}")
    workflow.create_premises(officer, "Porter Arms", "licensed_premises", "3 Dock Road")
    log_in(officer)
    overview = client.get("/records?q=porter").get_data(as_text=True)
    assert "Sam Porter 09" in overview and "Sam Porter 10" not in overview
    assert "All 13 people, page by page" in overview and "Porter Arms" in overview
    app.config["PER_PAGE"] = 5
    second = client.get("/records?q=porter&section=people&page=2").get_data(as_text=True)
    assert "Sam Porter 05" in second and "Sam Porter 04" not in second and "Sam Porter 10" not in second
    assert "page 2 of 3" in second and "Porter Arms" not in second


def test_user_text_is_escaped_on_every_page(client, officer, log_in):
    person = workflow.create_person(officer, XSS, aliases=[XSS])
    premises = workflow.create_premises(officer, XSS, "shop", XSS)
    workflow.link_person(officer, premises, person, "owner")
    log_in(officer)
    for url in (f"/records/people/{person.id}", f"/records/premises/{premises.id}", "/records?q=script"):
        page = client.get(url).get_data(as_text=True)
        assert XSS not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


@pytest.mark.parametrize("role", ["licensing_officer", "specialist"])
def test_licensing_officers_and_specialists_use_records_too(client, make_user, log_in, role):
    log_in(make_user(role))
    assert client.get("/records?q=a").status_code == 200
    assert client.post("/records/people/new", data={"name": "Ian Holt"}).status_code == 302


def test_partners_are_refused_every_page_and_endpoint(client, officer, make_user, log_in):
    person = workflow.create_person(officer, "Dale Fenwick")
    vehicle = workflow.create_vehicle(officer, "AB12CDE")
    premises = workflow.create_premises(officer, "Harbour Ink", "tattoo_piercing", "12 Quay Street")
    partner = make_user("partner")
    headers = bearer(partner)
    log_in(partner)
    for url in ("/records?q=Dale", f"/records/people/{person.id}", f"/records/vehicles/{vehicle.id}",
                f"/records/premises/{premises.id}", "/records/people/new"):
        assert client.get(url).status_code == 403, url
    for url in ("/records/people/new", "/records/vehicles/new", "/records/premises/new",
                f"/records/premises/{premises.id}/people"):
        assert client.post(url, data={"name": "X", "person_id": person.id, "role": "owner"}).status_code == 403, url
    assert client.get(f"/api/v1/premises/{premises.id}", headers=headers).status_code == 403
    for path in ("/people", "/vehicles", "/premises"):
        response = client.post(f"/api/v1{path}", json={"name": "X"}, headers=headers)
        assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert Person.select().count() == 1 and not AuditEvent.search(action="person.view").exists()


def test_the_forms_refuse_a_post_without_a_csrf_token(app, officer):
    app.config["WTF_CSRF_ENABLED"] = True
    browser = app.test_client()
    browser.post("/login", data={"email": officer.email, "password": PASSWORD,
                                 "csrf_token": csrf_token_from(browser.get("/login"))})
    assert browser.post("/records/people/new", data={"name": "Ian Holt"}).status_code == 400
    token = csrf_token_from(browser.get("/records/people/new"))
    assert browser.post("/records/people/new", data={"name": "Ian Holt", "csrf_token": token}).status_code == 302
    premises = workflow.create_premises(officer, "Quay Cabs", "taxi_office", "2 Quay Street")
    token = csrf_token_from(browser.get(f"/records/premises/{premises.id}"))
    person = Person.get(Person.name == "Ian Holt")
    url = f"/records/premises/{premises.id}/people"
    assert browser.post(url, data={"person_id": person.id, "role": "owner"}).status_code == 400
    assert browser.post(url, data={"person_id": person.id, "role": "owner", "csrf_token": token}).status_code == 302


# API

def test_api_adds_a_person(api, officer):
    response = api.post("/people", {"name": "Dale Fenwick", "date_of_birth": "1979-03-14", "aliases": ["Del"]})
    assert response.status_code == 201
    person = Person.get(Person.name == "Dale Fenwick")
    assert response.json == {"id": person.id, "name": "Dale Fenwick", "aliases": ["Del"],
                             "date_of_birth": "1979-03-14"}
    assert api.post("/people", {"name": "Ian Holt"}).json == {
        "id": person.id + 1, "name": "Ian Holt", "aliases": [], "date_of_birth": None}
    assert AuditEvent.search(action="person.create", user_id=officer.id).count() == 2


def test_api_lists_every_bad_person_field(api):
    tomorrow = (workflow.today() + timedelta(days=1)).isoformat()
    error = api.post("/people", {"date_of_birth": tomorrow, "aliases": "Del"})
    assert error.status_code == 422 and error.json["error"]["code"] == "invalid"
    assert error.json["error"]["fields"] == {"name": "This field is required.",
                                             "date_of_birth": "A date of birth cannot be in the future.",
                                             "aliases": "Give a list of names, each some text."}
    fields = api.post("/people", {"name": "A", "date_of_birth": "14/03/1979", "aliases": ["a\nb"]}).json["error"]
    assert set(fields["fields"]) == {"date_of_birth", "aliases"}
    assert api.post("/people", ["not", "an", "object"]).status_code == 422
    assert Person.select().count() == 0


def test_api_adds_a_vehicle_under_its_normalised_registration(api):
    response = api.post("/vehicles", {"registration": "ab12 cde", "make": "Skoda", "colour": "Black"})
    assert response.status_code == 201
    assert response.json == {"id": Vehicle.get().id, "registration": "AB12CDE", "make": "Skoda", "model": None,
                             "colour": "Black"}


def test_api_refuses_a_duplicate_or_implausible_registration_with_422(api):
    vehicle = api.post("/vehicles", {"registration": "AB12CDE"}).json
    duplicate = api.post("/vehicles", {"registration": "ab12-cde", "colour": 7})
    assert duplicate.status_code == 422
    assert duplicate.json["error"]["fields"] == {
        "registration": f"AB12CDE is already recorded (vehicle {vehicle['id']}): open that record instead.",
        "colour": "Give some text."}
    assert "letters and digits" in api.post("/vehicles", {"registration": "!!"}).json["error"]["fields"]["registration"]
    assert api.post("/vehicles", {}).json["error"]["fields"] == {"registration": "This field is required."}
    assert Vehicle.select().count() == 1


def test_api_adds_premises_and_reads_them_back_with_location(api, officer):
    response = api.post("/premises", {"name": "Station Hotel", "type": "hotel", "address": "1 Station Road",
                                      "postcode": "eb1 4qt"})
    assert response.status_code == 201
    body = response.json
    assert body == {"id": body["id"], "name": "Station Hotel", "type": "hotel", "address": "1 Station Road",
                    "postcode": "EB1 4QT", "location": None, "people": []}
    premises = Premises.get_by_id(body["id"])
    workflow.link_person(officer, premises, workflow.create_person(officer, "Rhys Calder"), "owner")
    Premises.update(lat=51.5, lon=-0.12, location_precision="address", location_source="manual").execute()
    got = api.get(f"/premises/{premises.id}").json
    assert got["location"] == {"lat": 51.5, "lon": -0.12, "precision": "address", "source": "manual"}
    assert got["people"] == [{"person_id": Person.get().id, "name": "Rhys Calder", "role": "owner"}]
    missing = api.get("/premises/999999")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"


def test_api_lists_every_bad_premises_field(api):
    error = api.post("/premises", {"name": " ", "type": "casino", "postcode": "ZZZ"}).json["error"]
    assert set(error["fields"]) == {"name", "type", "address", "postcode"}
    assert error["fields"]["postcode"] == "That is not a UK postcode. Check it, for example EB1 4QT."
    assert Premises.select().count() == 0


def test_the_api_needs_a_token_not_a_browser_session(client, officer, log_in):
    assert client.post("/api/v1/people", json={"name": "X"}).status_code == 401
    log_in(officer)
    assert client.get("/records").status_code == 200
    response = client.post("/api/v1/people", json={"name": "X"})
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorised"
    assert Person.select().count() == 0


def test_search_is_in_the_navigation_for_staff_only(client, officer, make_user, log_in):
    log_in(officer)
    assert 'href="/records">Search</a>' in client.get("/").get_data(as_text=True)
    client.post("/logout")
    log_in(make_user("partner"))
    assert 'href="/records"' not in client.get("/").get_data(as_text=True)
