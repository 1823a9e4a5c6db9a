"""The casework pages that run scripts, in headless Chromium: the review queue to a hearing, the network view
(vis-network) and the operation board's map (Leaflet), each with no console error and no outside request."""
from datetime import date

import pytest
from test_journeys import log_in

from disruption import workflow as disruption
from disruption.models import Tactic
from licensing import workflow as licensing
from records.models import Person, Premises, PremisesPerson

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips each test, or fails it in CI, saying why
    expect = None

pytestmark = pytest.mark.browser


def test_licensing_officer_opens_a_flagged_licence_from_the_queue_and_schedules_a_hearing(
        app, pages, make_user, make_org):
    council = make_org("licensing", name="Eastbrook Council")
    officer = make_user("licensing_officer", organisation=council)
    constable = make_user("police")
    with app.app_context():
        licence = licensing.create_licence(officer, kind="phv_driver", number="PH-4242", status="granted",
                                           holder=Person.create(name="Dennis Example"), authority=council)
        licensing.raise_flag(licence, "conduct", "Two complaints from lone passengers.", constable)
    page = pages.new()
    log_in(page, officer.email)
    page.goto("/licensing/queue")
    page.get_by_role("link", name="PH-4242").click()
    expect(page.get_by_role("heading", name="Private hire driver PH-4242")).to_be_visible()
    expect(page.get_by_text("new → granted")).to_be_visible()  # the history
    page.get_by_role("link", name="Schedule a hearing").click()
    page.get_by_label("Date and time (London)").fill("2026-12-03T10:00")
    page.get_by_label("Venue").fill("Committee room 2")
    page.get_by_role("button", name="Schedule hearing").click()
    expect(page.get_by_role("alert")).to_contain_text("Hearing scheduled; 1 organisation(s) invited.")
    expect(page.get_by_text(constable.organisation.name)).to_be_visible()
    pages.finish(page, "licensing_officer_schedules_a_hearing")


def test_police_see_the_network_and_the_operation_map(app, pages, make_user):
    constable = make_user("police")
    owner = Person.create(name="Kenneth Example")
    cafe = Premises.create(name="Harbour <b>Grill</b>", type="takeaway", address="1 Quay Street",
                           postcode="EB1 4QT", lat=53.80, lon=-1.55, location_precision="address",
                           location_source="test")
    office = Premises.create(name="Quay Cars", type="taxi_office", address="3 Quay Street")
    for premises in (cafe, office):
        PremisesPerson.create(premises=premises, person=owner, role="owner")
    with app.app_context():
        operation = disruption.create_operation(constable, "Operation Heron", "Disrupt activity at the quay",
                                                date(2026, 11, 1))
        target = disruption.add_target(operation, "premises", constable, record=cafe)
        disruption.plan_action(operation, target, Tactic.get(Tactic.code == "premises_visit"), constable,
                               due_on=date(2026, 12, 10))
    page = pages.new()
    log_in(page, constable.email)

    page.goto(f"/records/people/{owner.id}/network")
    expect(page.locator("#network canvas")).to_be_visible()

    page.goto(f"/operations/{operation.id}")
    expect(page.locator("#operation-map.leaflet-container")).to_be_visible()
    expect(page.locator(".leaflet-marker-icon, .leaflet-interactive")).not_to_have_count(0)
    expect(page.get_by_text("Harbour <b>Grill</b>").first).to_be_visible()  # escaped, shown as typed
    pages.finish(page, "police_operation_board")


def test_police_place_premises_by_clicking_the_map(app, pages, make_user):
    """The placing map (Leaflet): clicking a gazetteer address of the postcode fills in the point, and saving it
    places the premises by hand."""
    from hotspots.geocoding import address_key
    from hotspots.models import GazetteerAddress

    constable = make_user("police")
    GazetteerAddress.create(address="5 Canal Side <b>Eastbrook</b>", address_key=address_key("5 Canal Side"),
                            postcode="EB6 1AA", lat=53.74101, lon=-1.88702, source_file="test.csv")
    cafe = Premises.create(name="Canal <i>Cafe</i>", type="takeaway", address="7 Canal Side", postcode="EB6 1AA")
    page = pages.new()
    log_in(page, constable.email)
    page.goto(f"/locations/premises/{cafe.id}")
    expect(page.locator("#place-map.leaflet-container")).to_be_visible()
    page.locator("path.leaflet-interactive").first.click()  # the gazetteer address's dot
    expect(page.get_by_label("Latitude")).to_have_value("53.741010")
    expect(page.get_by_label("Longitude")).to_have_value("-1.887020")
    page.get_by_role("button", name="Save this location").click()
    expect(page.get_by_role("alert")).to_contain_text("Placed Canal <i>Cafe</i> on the map by hand.")
    assert Premises.get_by_id(cafe.id).location == {"lat": 53.74101, "lon": -1.88702, "precision": "manual",
                                                    "source": "manual"}
    pages.finish(page, "police_place_premises_on_the_map")
