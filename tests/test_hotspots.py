"""Hotspot maps, the hotspots API and locations of concern: what each reader sees (partners: cells only, counts
suppressed), escaping on the map, the data version and the cache, and the demo's categories."""
import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from test_api import bearer
from worker import make_worker

from core import auth
from core.audit import AuditEvent
from core.db import db, is_sqlite
from core.timeutil import utcnow
from hotspots import cells, demo, events
from hotspots.concerns import LocationOfConcern
from records import intelligence
from records.models import IntelligenceEntry, IntelligencePremises, Premises

TOWN = demo.CENTRE
XSS = "<img src=x onerror=alert(1)>"


def hotspot_subjects(organisation):
    """URL arguments for the hotspot routes (tests/test_permissions.py's route_subjects): a location of concern of
    the user's organisation, a cell, and a library file."""
    concern = LocationOfConcern.create(type="concern_reported", occurred_at=datetime(2026, 11, 1, 20),
                                       lat=TOWN[0], lon=TOWN[1], location_precision="manual",
                                       organisation=organisation)
    return {"concern_id": concern.id, "ix": 4400, "iy": 1300, "package": "leaflet"}


def add_events(rows, organisation):
    """Locations of concern at (lat, lon, occurred_at) rows, inserted in bulk like the demo's."""
    LocationOfConcern.insert_many([{"type": "concern_reported", "occurred_at": at, "lat": lat, "lon": lon,
                                    "location_precision": "manual", "location_source": "test",
                                    "organisation": organisation.id, "created_at": utcnow()}
                                   for lat, lon, at in rows]).execute()


def demo_rows(today):
    lats, lons, times = demo.demo_events(today)
    return list(zip(lats.tolist(), lons.tolist(), times))


@pytest.fixture
def world(make_org, make_user):
    police = make_org("police", name="Northshire Police")
    partner_org = make_org("partner", name="Eastbrook Schools")
    return {"police": police, "partner_org": partner_org,
            "constable": make_user("police", organisation=police),
            "specialist": make_user("specialist"),
            "partner": make_user("partner", organisation=partner_org),
            "officer": make_user("licensing_officer")}


def today():
    return datetime.now(ZoneInfo("Europe/London")).date()


# -- the data version -------------------------------------------------------------------------------------------

def test_every_event_source_table_bumps_the_data_version_and_nothing_else_does(app, world):
    tables = {table for source in events.sources().values() for table in source.tables}
    listing = ("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'" if is_sqlite() else
               "SELECT trigger_name, event_object_table FROM information_schema.triggers")
    triggers = {table for name, table in db.execute_sql(listing) if name.startswith("hotspot_version_")}
    assert tables <= triggers, f"tables without a data-version trigger: {tables - triggers}"

    before = events.data_version()
    premises = Premises.create(name="Corner Grill", type="takeaway", address="1 High Street")
    assert events.data_version() > before
    before = events.data_version()
    Premises.update(name="Corner Grill and Pizza").where(Premises.id == premises.id).execute()
    assert events.data_version() == before  # a new name moves no event
    Premises.update(lat=TOWN[0], lon=TOWN[1], location_precision="address").where(Premises.id == premises.id).execute()
    assert events.data_version() > before


def test_london_times_agree_with_the_tz_database():
    rng = np.random.default_rng(3)
    seconds = rng.integers(1_400_000_000, 1_900_000_000, 5000)
    expected = np.array([datetime.fromtimestamp(int(s), ZoneInfo("UTC")).astimezone(ZoneInfo("Europe/London"))
                         .replace(tzinfo=None) for s in seconds], dtype="datetime64[s]")
    assert (events.london_times(seconds.astype("datetime64[s]")) == expected).all()


# -- the analysis as the maps use it ---------------------------------------------------------------------------

def test_the_demo_events_show_every_pattern_the_demo_promises(app, world):
    add_events(demo_rows(today()), world["partner_org"])
    with app.app_context():
        result = cells.compute(cells.default_params(today()))
    found = {cell["category"] for cell in result.cells}
    assert {"new", "intensifying", "persistent", "diminishing", "historical"} <= found
    assert result.events == len(demo_rows(today()))
    assert len(result.periods) == 24


def test_locality_precision_events_are_counted_apart_not_binned(app, world):
    rows = demo_rows(today())
    add_events(rows, world["partner_org"])
    every_tenth = [concern.id for concern in LocationOfConcern.select(LocationOfConcern.id)][::10]
    LocationOfConcern.update(location_precision="locality").where(LocationOfConcern.id.in_(every_tenth)).execute()
    vague = LocationOfConcern.select().where(LocationOfConcern.location_precision == "locality").count()
    with app.app_context():
        result = cells.compute(cells.default_params(today()))
    assert result.vague["concern"] == vague
    assert result.events == len(rows) - vague


def test_an_unchanged_analysis_comes_from_the_cache_and_a_change_is_recomputed_by_a_worker(app, world, monkeypatch):
    add_events(demo_rows(today())[:300], world["partner_org"])
    params = cells.default_params(today())
    computed = []
    real = cells.compute
    monkeypatch.setattr(cells, "compute", lambda *a, **k: computed.append(1) or real(*a, **k))
    with app.app_context():
        first = cells.hotspot_cells(params)
        again = cells.hotspot_cells(params)
        assert len(computed) == 1 and again.version == first.version and not again.stale
        add_events([(TOWN[0], TOWN[1], utcnow() - timedelta(hours=1))], world["partner_org"])
        stale = cells.hotspot_cells(params)
        assert stale.stale and stale.version == first.version and len(computed) == 1
        cells.hotspot_cells(params)  # asked again meanwhile: still one recomputation queued
        assert len(app.get_redis().keys("hotspots:refreshing:*")) == 1
        make_worker(app).work(burst=True)
        fresh = cells.hotspot_cells(params)
    assert not fresh.stale and fresh.version == events.data_version() and fresh.events == first.events + 1


# -- the map pages ----------------------------------------------------------------------------------------------

def located_premises(name, entries_by, count=3):
    premises = Premises.create(name=name, type="takeaway", address="1 Test Street", lat=TOWN[0] + 0.001,
                               lon=TOWN[1] + 0.001, location_precision="address", location_source="gazetteer")
    for n in range(count):
        intelligence.create_entry(entries_by, text=f"Entry {n} about the premises.", source_evaluation=2,
                                  intelligence_assessment="B", handling_code="P",
                                  occurred_at=utcnow() - timedelta(days=n + 1), premises_ids=[premises.id])
    return premises


def test_partners_see_cells_only_with_small_counts_suppressed(app, client, world, log_in):
    add_events(demo_rows(today()), world["partner_org"])
    located_premises("Secret Grill", world["constable"])
    log_in(world["partner"])
    page = client.get("/hotspots").get_data(as_text=True)
    assert "Secret Grill" not in page and "Premises" not in page.split("</form>")[-1].split("Cells")[0]
    assert "/records/" not in page and "Records in this cell" not in page
    assert "L.marker" not in page and "heatLayer" not in page and "markerClusterGroup" not in page
    assert "fewer than 3" in page
    response = client.get("/hotspots?view=changed")
    assert response.status_code == 200 and "Secret Grill" not in response.get_data(as_text=True)


def test_the_api_gives_partner_tokens_the_same_suppressed_cells(app, client, world):
    add_events(demo_rows(today()), world["partner_org"])
    located_premises("Secret Grill", world["constable"])
    partner = bearer(auth.issue_token(world["partner"], "test"))
    police = bearer(auth.issue_token(world["constable"], "test"))
    shown = client.get("/api/v1/hotspots", headers=partner).json
    full = client.get("/api/v1/hotspots", headers=police).json
    assert shown["type"] == "FeatureCollection" and shown["features"]
    assert shown["meta"]["suppressed_below"] == 3 and full["meta"]["suppressed_below"] is None
    counts = [feature["properties"]["count"] for feature in shown["features"]]
    assert None in counts and all(count is None or count >= 3 for count in counts)
    assert any(0 < feature["properties"]["count"] < 3 for feature in full["features"])
    assert "Secret Grill" not in str(shown) and set(shown["features"][0]["properties"]) >= {"count", "z", "p",
                                                                                            "category"}


def test_the_api_refuses_bad_parameters_with_every_field_named(client, world):
    police = bearer(auth.issue_token(world["constable"], "test"))
    response = client.get("/api/v1/hotspots?since=yesterday&period=fortnight&cell_m=7&kinds=gossip", headers=police)
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"since", "period", "cell_m", "kinds"}
    assert client.get("/api/v1/hotspots?since=2026-06-01&until=2026-01-01", headers=police).status_code == 422


def test_police_see_premises_intelligence_and_targets_with_user_text_kept_as_text(app, client, world, log_in):
    add_events(demo_rows(today()), world["partner_org"])
    located_premises(XSS, world["constable"])
    log_in(world["constable"])
    page = client.get("/hotspots").get_data(as_text=True)
    assert "markerClusterGroup" in page and "heatLayer" in page
    assert XSS not in page  # only ever inside JSON, where < is \u003c, and shown with textContent
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page
    assert "textContent = row[2]" in page
    assert "Records in this cell" in page


def test_every_map_file_comes_from_this_server_under_the_nonce(app, client, world, log_in):
    add_events(demo_rows(today())[:400], world["partner_org"])
    for user in (world["constable"], world["partner"]):
        client.post("/logout")
        log_in(user)
        for url in ("/hotspots", "/hotspots/print"):
            response = client.get(url)
            page = response.get_data(as_text=True)
            assert response.status_code == 200
            assert "http://" not in page and "https://" not in page, url
            nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
            scripts = page.count("<script")
            assert page.count(f'<script nonce="{nonce}">') + page.count("<script src=\"/") == scripts, url
            for src in ("/assets/leaflet/leaflet.js", "/assets/leaflet/leaflet.css"):
                assert src in page and client.get(src).status_code == 200


def test_the_printable_map_shows_cells_only_whoever_prints_it(client, world, log_in):
    add_events(demo_rows(today()), world["partner_org"])
    located_premises("Secret Grill", world["constable"])
    log_in(world["constable"])
    page = client.get("/hotspots/print").get_data(as_text=True)
    assert "Secret Grill" not in page and "markerClusterGroup" not in page and "fewer than 3" in page


def test_the_cell_page_lists_only_what_the_reader_may_see_and_is_audited(app, client, world, log_in, make_user):
    premises = located_premises("Corner Grill", world["constable"], count=1)
    restricted = intelligence.create_entry(world["constable"], text="Protected source says so.",
                                           source_evaluation=2, intelligence_assessment="B", handling_code="C",
                                           handling_conditions="Originator only.", occurred_at=utcnow(),
                                           place_address="1 Test Street")
    IntelligenceEntry.update(lat=premises.lat, lon=premises.lon, location_precision="address").execute()
    box_ix, box_iy = (int(v[0] // 250) for v in cells.analysis.to_grid([premises.lat], [premises.lon]))
    other = make_user("police")
    log_in(other)
    page = client.get(f"/hotspots/cells/{box_ix}/{box_iy}").get_data(as_text=True)
    assert "Corner Grill" in page and f"/intelligence/{restricted.id}" not in page
    assert AuditEvent.select().where(AuditEvent.action == "hotspots.cell").count() == 1


# -- locations of concern --------------------------------------------------------------------------------------

def test_a_partner_logs_a_location_of_concern_and_sees_only_their_own(app, client, world, log_in, make_user):
    log_in(world["partner"])
    form = {"type": "found_after_missing", "occurred_at": "2026-11-20T21:30", "place_description": "Bus shelter",
            "lat": "53.001", "lon": "-1.499"}
    response = client.post("/hotspots/concerns/new", data=form)
    assert response.status_code == 302
    concern = LocationOfConcern.get()
    assert concern.occurred_at == datetime(2026, 11, 20, 21, 30)  # London winter time is UTC
    assert concern.location_precision == "manual" and concern.organisation_id == world["partner_org"].id
    assert AuditEvent.select().where(AuditEvent.action == "location_of_concern.create").count() == 1
    mine = client.get("/hotspots/concerns").get_data(as_text=True)
    assert "Bus shelter" in mine
    exported = list(csv.reader(io.StringIO(client.get("/hotspots/concerns?format=csv").get_data(as_text=True))))
    assert exported[1][1] == "Young person found here after going missing"
    client.post("/logout")
    log_in(make_user("partner"))
    assert client.get(f"/hotspots/concerns/{concern.id}").status_code == 403
    assert "Bus shelter" not in client.get("/hotspots/concerns").get_data(as_text=True)


@pytest.mark.parametrize("change, field", [
    ({"occurred_at": (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}, "occurred_at"),
    ({"lat": "48.0"}, "lat"),
    ({"lon": ""}, "lon"),
    ({"lat": "", "lon": ""}, "address"),
    ({"postcode": "not a postcode"}, "postcode"),
])
def test_a_location_of_concern_needs_a_real_time_and_place(client, world, log_in, change, field):
    log_in(world["partner"])
    form = {"type": "concern_reported", "occurred_at": "2026-11-20T21:30", "lat": "53.001", "lon": "-1.499",
            **change}
    response = client.post("/hotspots/concerns/new", data=form)
    assert response.status_code == 200 and LocationOfConcern.select().count() == 0
    assert 'class="invalid-feedback' in response.get_data(as_text=True) or "is-invalid" in response.get_data(
        as_text=True), field


def test_the_concern_form_warns_against_identifying_text_and_has_no_name_field(client, world, log_in):
    log_in(world["partner"])
    page = client.get("/hotspots/concerns/new").get_data(as_text=True)
    assert "No names, no identifying details" in page and 'name="name"' not in page


def test_seed_demo_fills_the_map_once(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    count = LocationOfConcern.select().count()
    assert count > 1000
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert LocationOfConcern.select().count() == count


def test_intelligence_with_a_place_and_premises_named_in_it_are_events(app, world):
    premises = located_premises("Corner Grill", world["constable"], count=2)
    IntelligenceEntry.update(lat=TOWN[0], lon=TOWN[1], location_precision="postcode").where(
        IntelligenceEntry.id == IntelligencePremises.select(IntelligencePremises.entry).limit(1)).execute()
    with app.app_context():
        located = events.load(("intelligence", "premises"), utcnow() - timedelta(days=30), utcnow())
    assert sorted(located.kind.tolist()) == ["intelligence", "premises", "premises"]
    assert premises.lat in located.lat.tolist()


def test_the_meeting_pack_says_how_the_cells_changed_since_the_last_meeting(app, client, world, log_in):
    from disruption.meetings import Meeting, MeetingAttendance

    add_events(demo_rows(today()), world["partner_org"])
    constable = world["constable"]
    held = datetime.now() - timedelta(hours=2)
    for when in (held - timedelta(days=62), held):
        meeting = Meeting.create(title="Exploitation subgroup", held_at=when, organisation=world["police"],
                                 chair_name="Chair", chair_organisation=world["police"], created_by=constable)
        MeetingAttendance.create(meeting=meeting, organisation=world["police"])
    log_in(constable)
    page = client.get(f"/meetings/{meeting.id}/pack").get_data(as_text=True)
    section = page.split("2. Hotspots: new and changed")[1].split("3. Open actions")[0]
    assert "New hot spot" in section and "No pattern" in section
    assert "Printable map of the changes" in section


def test_one_far_off_location_gives_a_clear_message_not_an_error(app, client, world, log_in):
    add_events(demo_rows(today())[:200] + [(57.5, -4.2, utcnow() - timedelta(days=3))], world["partner_org"])
    log_in(world["constable"])
    response = client.get("/hotspots?cell_m=100")
    assert response.status_code == 200
    assert "too large an area for cells of 100 m" in response.get_data(as_text=True)


def test_seed_demo_locates_the_demo_premises_through_its_gazetteer(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    takeaway = Premises.get(Premises.name == "Eastgate Grill")
    assert takeaway.location_source == "gazetteer" and takeaway.location_precision == "address"
    located = IntelligenceEntry.select().where(IntelligenceEntry.lat.is_null(False)).count()
    assert located == IntelligenceEntry.select().where(IntelligenceEntry.place_address != "").count() > 0
