"""The hotspot maps in headless Chromium: Leaflet draws the cells with a text legend for everyone, police get
premises whose popups show user text as text, and partners get cells with no points at all."""
import pytest
from test_hotspots import XSS, add_events, demo_rows, located_premises, today
from test_journeys import log_in

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips each test, or fails it in CI, saying why
    expect = None

pytestmark = pytest.mark.browser


def test_police_see_cells_and_premises_whose_popup_shows_a_script_name_as_text(app, pages, make_user, make_org):
    constable = make_user("police")
    add_events(demo_rows(today()), make_org("partner"))
    located_premises(XSS, constable, count=1)
    page = pages.new()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, constable.email)
    page.goto("/hotspots")
    expect(page.locator(".folium-map.leaflet-container")).to_be_visible()
    expect(page.locator("path.leaflet-interactive").first).to_be_attached()  # the cells, drawn as SVG paths
    expect(page.get_by_role("table", name="Cells by category").filter(has_text="Intensifying hot spot")).to_be_visible()
    page.locator(".leaflet-marker-icon, .marker-cluster").first.click()
    if page.locator(".marker-cluster").count():  # a cluster: zoom in until the premises marker shows
        page.locator(".leaflet-marker-icon:not(.marker-cluster)").first.click()
    expect(page.locator(".leaflet-popup-content a")).to_have_text(XSS)
    assert dialogs == [] and page.locator("img[src='x']").count() == 0
    pages.finish(page, "police_hotspot_map")


def test_partners_see_cells_and_a_legend_and_no_points(app, pages, make_user, make_org):
    partner = make_user("partner")
    add_events(demo_rows(today()), partner.organisation)
    located_premises("Secret Grill", make_user("police"), count=3)
    page = pages.new()
    log_in(page, partner.email)
    page.goto("/hotspots")
    expect(page.locator("path.leaflet-interactive").first).to_be_attached()
    expect(page.get_by_role("table", name="Cells by category").filter(has_text="New hot spot")).to_be_visible()
    assert page.locator(".leaflet-marker-icon").count() == 0
    assert "Secret Grill" not in page.content()
    pages.finish(page, "partner_hotspot_map")


def test_a_partner_logs_a_location_of_concern_by_clicking_the_map(app, pages, make_user):
    from hotspots.concerns import LocationOfConcern

    partner = make_user("partner")
    page = pages.new()
    log_in(page, partner.email)
    page.goto("/hotspots/concerns/new")
    page.get_by_label("What was the concern").select_option(label="Concern reported at this place")
    page.get_by_label("When (London time)").fill("2026-11-20T21:30")
    page.locator("#place-map").click()
    assert page.get_by_label("Latitude").input_value() != ""
    page.get_by_role("button", name="Log this location").click()
    expect(page.get_by_role("alert")).to_contain_text("Location of concern logged.")
    concern = LocationOfConcern.get()
    assert concern.location_precision == "manual" and 53 < concern.lat < 54.5
    pages.finish(page, "partner_logs_a_location_of_concern")
