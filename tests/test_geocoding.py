"""The geocoding chain (gazetteer, cache, online geocoder), its background job and sweep, the shared rate limit,
outages, the "needs a location" list and placing a record by hand."""
import json
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from geopy import exc as geopy_errors
from geopy.geocoders import SERVICE_TO_GEOCODER
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from helpers import csrf_token_from, process_env
from redis.exceptions import RedisError
from rq import Queue

from core.audit import AuditEvent
from core.models import User
from core.timeutil import utcnow
from hotspots import geocoding, jobs, locations
from hotspots.geocoding import AddressQuery, Found, SharedRateLimit, address_key
from hotspots.models import GazetteerAddress, GeocodeCache, GeocoderSwitch, LocationTask
from records import intelligence, workflow
from records.models import IntelligenceEntry, Premises
from records.normalise import postcode as normal_postcode
from worker import make_worker

ROOT = Path(__file__).resolve().parent.parent
ROLES = ["licensing_officer", "police", "specialist", "partner", "manager", "admin"]


def geocoding_subjects(premises):
    """URL arguments for the geocoding routes (tests/test_permissions.py's route_subjects): premises to place."""
    return {"kind": "premises", "record_id": premises.id}


def add_address(address, postcode, lat, lon, uprn=None):
    """A gazetteer entry, as the import writes it."""
    return GazetteerAddress.create(uprn=uprn, address=address, address_key=address_key(address, postcode),
                                   postcode=normal_postcode(postcode), lat=lat, lon=lon, source_file="test.csv")


class FakeNominatim(Geocoder):
    """An online geocoder for the tests: a real geopy Geocoder (the interface the chain calls) that answers from a
    table of Nominatim-shaped raw answers instead of the network, records each request, and fails the way geopy's
    geocoders do during an outage."""

    answers = {}  # a word of the query -> Nominatim's raw answer
    requests = []
    failure = None

    def __init__(self, *, domain=None, user_agent=None, timeout=DEFAULT_SENTINEL):
        super().__init__(user_agent=user_agent, timeout=timeout)
        self.domain = domain

    def geocode(self, query, *, exactly_one=True, timeout=DEFAULT_SENTINEL):
        self.requests.append({"query": query, "domain": self.domain, "user_agent": self.headers["User-Agent"]})
        if self.failure is not None:
            raise self.failure
        found = [Location(raw["display_name"], (float(raw["lat"]), float(raw["lon"])), raw)
                 for word, raw in self.answers.items() if word in query]
        if exactly_one:
            return found[0] if found else None
        return found


def nominatim_raw(lat, lon, addresstype, category="place", kind="house", name="Somewhere, Eastbrook"):
    return {"lat": str(lat), "lon": str(lon), "display_name": name, "class": category, "type": kind,
            "addresstype": addresstype, "place_rank": 30}


@pytest.fixture
def online(app, monkeypatch):
    """The environment allows the fake online geocoder (an administrator has still to switch it on)."""
    monkeypatch.setitem(SERVICE_TO_GEOCODER, "fakenominatim", FakeNominatim)
    monkeypatch.setattr(FakeNominatim, "answers", {})
    monkeypatch.setattr(FakeNominatim, "requests", [])
    monkeypatch.setattr(FakeNominatim, "failure", None)
    app.config.update(GEOCODER="fakenominatim", GEOCODER_DOMAIN="nominatim.eastbrook.example",
                      GEOCODER_USER_AGENT="eastbrook-intel-test", GEOCODER_MIN_INTERVAL_SECONDS=0.01)
    return FakeNominatim


def switch_online(app, on=True):
    with app.app_context():
        admin = User.get_or_none(User.role == "admin")
        geocoding.set_online(admin, on)


def run_worker(app):
    with app.app_context():
        make_worker(app).work(burst=True)


def locate(app, query, subject=None):
    with app.app_context():
        return geocoding.locate(query, subject)


def task_of(record, kind="premises"):
    return LocationTask.get((LocationTask.record_type == kind) & (LocationTask.record_id == record.id))


def geocoding_jobs(app):
    return Queue("geocoding", connection=app.get_redis()).jobs


@pytest.fixture
def gazetteer(app):
    """A few addresses of fictional Eastbrook, two of them in EB1 4QT."""
    return {"grill": add_address("14 Eastgate Parade, Eastbrook", "EB1 4QT", 53.7421, -1.8893, uprn="100012345678"),
            "bakery": add_address("16 Eastgate Parade, Eastbrook", "EB1 4QT", 53.7425, -1.8897),
            "yard": add_address("2 Station Yard, Eastbrook", "EB2 7LX", 53.7480, -1.8801)}


# -- the chain ---------------------------------------------------------------------------------------------------

def test_addresses_are_matched_without_case_punctuation_road_abbreviations_postcode_or_country():
    assert address_key("14, Eastgate Pde., Eastbrook EB1 4QT, UK", "eb14qt") == "14 eastgate parade eastbrook"
    assert address_key("14 EASTGATE PARADE  EASTBROOK") == "14 eastgate parade eastbrook"
    assert address_key("Flat 2 & 3, St Mary's Rd") == "flat 2 and 3 street mary s road"
    assert AddressQuery.of("2 Station Yard, Eastbrook, eb2 7lx").postcode == "EB2 7LX"
    assert AddressQuery(uprn=" 000010012345").uprn == "10012345"  # as the gazetteer import stores it


def test_the_chain_tries_uprn_then_address_in_postcode_then_postcode_centroid(app, gazetteer):
    by_uprn = locate(app, {"uprn": "100012345678", "address": "The Grill", "postcode": "EB9 9ZZ"})
    assert by_uprn == Found(53.7421, -1.8893, "address", "gazetteer")
    by_address = locate(app, {"address": "16 EASTGATE PDE, Eastbrook", "postcode": "eb1 4qt"})
    assert by_address == Found(53.7425, -1.8897, "address", "gazetteer")
    # An address the gazetteer lacks, in a postcode it has: the centre of that postcode's addresses.
    centroid = locate(app, {"address": "Rear of 15 Eastgate Parade", "postcode": "EB1 4QT"})
    assert (centroid.precision, centroid.source) == ("postcode", "gazetteer")
    assert centroid.lat == pytest.approx((53.7421 + 53.7425) / 2) and centroid.lon == pytest.approx(-1.8895)
    assert locate(app, {"postcode": "EB2 7LX"}) == Found(53.7480, -1.8801, "postcode", "gazetteer")
    # Nothing known and no online geocoder: not found.
    assert locate(app, {"address": "1 Nowhere Lane", "postcode": "EB5 1AA"}) is None
    assert locate(app, {"address": "", "postcode": None}) is None


def test_the_gazetteer_is_a_geopy_geocoder(app, gazetteer):
    with app.app_context():
        location = geocoding.GAZETTEER.geocode("14 Eastgate Parade, Eastbrook, EB1 4QT")
        assert isinstance(geocoding.GAZETTEER, Geocoder)
        assert (location.latitude, location.longitude) == (53.7421, -1.8893)
        assert location.raw == {"precision": "address", "source": "gazetteer", "uprn": "100012345678"}
        assert geocoding.GAZETTEER.geocode("1 Nowhere Lane, EB5 1AA", exactly_one=False) == []


def test_answers_are_cached_by_normalised_address_and_a_uprn_goes_past_the_cache(app, gazetteer):
    first = locate(app, {"address": "16 Eastgate Parade, Eastbrook", "postcode": "EB1 4QT"})
    cached = GeocodeCache.get(GeocodeCache.address_key == "16 eastgate parade eastbrook")
    assert (cached.postcode, cached.precision, cached.source) == ("EB1 4QT", "address", "gazetteer")
    gazetteer["bakery"].delete_instance()  # the second lookup cannot be the gazetteer's
    assert locate(app, {"address": "16 eastgate pde., EASTBROOK", "postcode": "EB14QT"}) == first
    # A UPRN is exact: a cached answer for the same wording does not stand in for it.
    GeocodeCache.create(address_key="14 eastgate parade eastbrook", postcode="EB1 4QT", lat=53.0, lon=-1.0,
                        precision="postcode", source="gazetteer")
    assert locate(app, {"uprn": "100012345678", "address": "14 Eastgate Parade, Eastbrook",
                        "postcode": "EB1 4QT"}).lat == 53.7421


def test_the_online_geocoder_is_off_by_default_and_no_request_is_made(app, online, make_user, gazetteer):
    constable = make_user("police")
    assert not GeocoderSwitch.select().exists()
    with app.app_context():
        assert geocoding.online_allowed() and not geocoding.online_enabled()
        premises = workflow.create_premises(constable, "Corner Shop", "shop", "1 Nowhere Lane", "EB5 1AA")
    run_worker(app)
    assert online.requests == []
    assert task_of(premises).status == "not_found"
    assert "the online geocoder is off" in task_of(premises).last_error
    assert not AuditEvent.select().where(AuditEvent.action == "geocoder.disclose").exists()
    # An administrator's switch alone is not enough: the environment must name a geocoder too.
    switch_online(app, True)
    app.config["GEOCODER"] = ""
    with app.app_context():
        assert not geocoding.online_enabled()
    assert locate(app, {"address": "1 Nowhere Lane", "postcode": "EB5 1AA"}) is None
    assert online.requests == []


def test_switched_on_the_online_geocoder_is_asked_audited_and_its_answer_cached(app, online, client, make_user,
                                                                                 log_in):
    admin = make_user("admin")
    constable = make_user("police")
    log_in(admin)
    page = client.get("/admin/geocoder").get_data(as_text=True)
    assert "fakenominatim at nominatim.eastbrook.example" in page and "It is <strong>off</strong>" in page
    response = client.post("/admin/geocoder", data={"online": "y"})
    assert response.status_code == 302
    assert AuditEvent.get(AuditEvent.action == "geocoder.switch_on").user_id == admin.id
    online.answers["Mill Lane"] = nominatim_raw(53.7455, -1.8850, "building", category="building", kind="yes")
    with app.app_context():
        first = workflow.create_premises(constable, "Mill Cafe", "takeaway", "3 Mill Lane, Eastbrook", "EB3 2AB")
        second = workflow.create_premises(constable, "Mill Cafe rear", "takeaway", "3 MILL LANE, EASTBROOK",
                                          "eb3 2ab")
    run_worker(app)
    # Two records with one address: one request, the second answered from the cache.
    assert online.requests == [{"query": "3 Mill Lane, Eastbrook, EB3 2AB, United Kingdom",
                                "domain": "nominatim.eastbrook.example", "user_agent": "eastbrook-intel-test"}]
    for premises in (first, second):
        located = Premises.get_by_id(premises.id)
        assert located.location == {"lat": 53.7455, "lon": -1.885, "precision": "address",
                                    "source": "fakenominatim"}
        assert task_of(premises).status == "located"
    disclosures = list(AuditEvent.select().where(AuditEvent.action == "geocoder.disclose"))
    assert [(event.record_type, event.record_id) for event in disclosures] == [("premises", first.id)]
    assert "fakenominatim at nominatim.eastbrook.example" in disclosures[0].reason


@pytest.mark.parametrize("raw, precision", [
    (nominatim_raw(53.7, -1.9, "building", category="building", kind="yes"), "address"),
    (nominatim_raw(53.7, -1.9, "amenity", category="amenity", kind="fast_food"), "address"),
    (nominatim_raw(53.7, -1.9, "place", category="place", kind="house"), "address"),
    (nominatim_raw(53.7, -1.9, "postcode", category="place", kind="postcode"), "postcode"),
    (nominatim_raw(53.7, -1.9, "road", category="highway", kind="residential"), "locality"),
    (nominatim_raw(53.7, -1.9, "suburb", category="place", kind="suburb"), "locality"),
    (nominatim_raw(53.7, -1.9, "town", category="boundary", kind="administrative"), "locality"),
    ({"lat": "53.7", "lon": "-1.9"}, "locality"),  # a shape we do not know never passes for an address
])
def test_online_answers_map_to_address_postcode_or_locality(raw, precision):
    assert geocoding.precision_of(raw) == precision


def test_an_online_answer_outside_the_uk_is_not_taken(app, online):
    switch_online(app)
    online.answers["Eastbrook"] = nominatim_raw(41.9, -87.6, "building", category="building")  # another Eastbrook
    assert locate(app, {"address": "9 Eastbrook Road", "postcode": "EB9 1AA"}) is None


# -- the shared rate limit -----------------------------------------------------------------------------------------

LIMITED_WORKER = """
import sys, time
from redis import Redis
from hotspots.geocoding import SharedRateLimit
limit = SharedRateLimit(Redis.from_url(sys.argv[1]), float(sys.argv[2]), key=sys.argv[3])
sys.stdin.readline()  # start together
for _ in range(int(sys.argv[4])):
    limit.acquire(wait=30)
    print(time.time(), flush=True)
"""


def test_the_rate_limit_holds_across_two_worker_processes_sharing_one_redis(app, settings):
    """Two processes asking as fast as they can: the turns they get are never closer together than the interval
    (less a margin for the moment between Redis granting a turn and the process noting the time)."""
    interval, each = 0.4, 3
    url = process_env(settings, app)["REDIS_URL"]
    workers = [subprocess.Popen([sys.executable, "-c", LIMITED_WORKER, url, str(interval), "test:rate", str(each)],
                                cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for _ in range(2)]
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    turns = []
    for worker in workers:
        out, _ = worker.communicate(timeout=60)
        assert worker.returncode == 0
        turns.append([float(line) for line in out.split()])
    assert [len(times) for times in turns] == [each, each]
    merged = sorted(turns[0] + turns[1])
    gaps = [later - earlier for earlier, later in zip(merged, merged[1:])]
    assert min(gaps) > interval - 0.15, gaps


def test_a_worker_that_cannot_get_its_turn_sends_nothing_and_tries_later(app, online, monkeypatch):
    switch_online(app)
    monkeypatch.setattr(geocoding, "RATE_WAIT_SECONDS", 0.05)
    with app.app_context():
        SharedRateLimit(app.get_redis(), 60).acquire(wait=1)  # another worker's turn, for a minute
        with pytest.raises(geocoding.GeocodingUnavailable, match="rate limit"):
            geocoding.locate({"address": "1 Nowhere Lane", "postcode": "EB5 1AA"}, ("premises", 1))
    assert online.requests == []
    assert not AuditEvent.select().where(AuditEvent.action == "geocoder.disclose").exists()


def test_a_429_makes_every_worker_wait(app, online):
    switch_online(app)
    online.failure = geopy_errors.GeocoderRateLimited("Too many requests", retry_after=30)
    with app.app_context(), pytest.raises(geocoding.GeocodingUnavailable, match="slow down"):
        geocoding.locate({"address": "1 Nowhere Lane", "postcode": "EB5 1AA"}, ("premises", 1))
    assert app.get_redis().pttl(geocoding.RATE_LIMIT_KEY) > 20_000


# -- in the background: saving never waits, outages lose nothing -----------------------------------------------------

def test_saving_premises_queues_geocoding_after_commit_and_the_job_locates_them(app, make_user, gazetteer):
    constable = make_user("police")
    with app.app_context():
        premises = workflow.create_premises(constable, "Eastgate Grill", "takeaway", "14 Eastgate Parade, Eastbrook",
                                            "EB1 4QT")
    # Saved at once, without a location: the geocoding is a job on the low-priority queue.
    assert Premises.get_by_id(premises.id).location is None
    assert [job.args for job in geocoding_jobs(app)] == [("premises", premises.id)]
    run_worker(app)
    assert Premises.get_by_id(premises.id).location == {"lat": 53.7421, "lon": -1.8893, "precision": "address",
                                                        "source": "gazetteer"}
    assert task_of(premises).status == "located"
    with app.app_context():
        assert jobs.locate("premises", premises.id) == "skipped"  # a second delivery changes nothing


def test_an_intelligence_entry_with_a_place_is_geocoded_and_one_without_is_not(app, make_user, gazetteer):
    constable = make_user("police")
    with app.app_context():
        placed = intelligence.create_entry(constable, text="Seen outside.", source_evaluation=2,
                                           intelligence_assessment="B", handling_code="P",
                                           occurred_at=datetime(2026, 10, 1, 21), place_postcode="EB2 7LX")
        unplaced = intelligence.create_entry(constable, text="Heard about.", source_evaluation=2,
                                             intelligence_assessment="C", handling_code="P",
                                             occurred_at=datetime(2026, 10, 1, 21))
    run_worker(app)
    assert IntelligenceEntry.get_by_id(placed.id).location_precision == "postcode"
    assert not LocationTask.select().where(LocationTask.record_id == unplaced.id).exists()


def test_a_geocoder_outage_loses_nothing_and_retries_later_with_backoff(app, online, make_user):
    """The online geocoder is down, then times out, then answers: the record is saved at once, waits on the
    "needs a location" list meanwhile, and is located once the geocoder is back."""
    switch_online(app)
    constable = make_user("police")
    online.failure = geopy_errors.GeocoderUnavailable("Service not available")
    with app.app_context():
        premises = workflow.create_premises(constable, "Quay Hotel", "hotel", "1 Quay Road, Eastbrook", "EB4 1QA")
    run_worker(app)
    task = task_of(premises)
    assert (task.status, task.attempts) == ("waiting", 1)
    assert "GeocoderUnavailable" in task.last_error
    assert timedelta(seconds=50) < task.next_attempt_at - utcnow() <= timedelta(seconds=60)
    assert Premises.get_by_id(premises.id).name == "Quay Hotel"
    with app.app_context():
        assert [line.task.id for line in locations.describe(locations.needs_location(constable), constable, "test")] \
            == [task.id]
        assert locations.sweep() == {"found": 0, "queued": 0}  # not due yet

        online.failure = geopy_errors.GeocoderTimedOut("Service timed out")
        assert locations.sweep(utcnow() + timedelta(seconds=61))["queued"] == 1
    run_worker(app)
    task = task_of(premises)
    assert (task.status, task.attempts) == ("waiting", 2) and "GeocoderTimedOut" in task.last_error
    assert timedelta(seconds=110) < task.next_attempt_at - utcnow() <= timedelta(seconds=120)  # doubled

    online.failure = None
    online.answers["Quay Road"] = nominatim_raw(53.7395, -1.8751, "road", category="highway", kind="residential")
    with app.app_context():
        assert locations.sweep(utcnow() + timedelta(seconds=121))["queued"] == 1
    run_worker(app)
    assert Premises.get_by_id(premises.id).location == {"lat": 53.7395, "lon": -1.8751, "precision": "locality",
                                                        "source": "fakenominatim"}
    assert task_of(premises).status == "located"
    assert len(online.requests) == 3
    assert AuditEvent.select().where(AuditEvent.action == "geocoder.disclose").count() == 3


def test_a_record_saved_while_redis_is_down_is_geocoded_by_a_later_sweep(app, make_user, gazetteer, monkeypatch):
    constable = make_user("police")

    def unreachable(name="default"):
        raise RedisError("Connection refused")

    with app.app_context():
        monkeypatch.setattr(locations, "queue", unreachable)
        premises = workflow.create_premises(constable, "Brookside Cars office", "taxi_office",
                                            "2 Station Yard, Eastbrook", "EB2 7LX")
        monkeypatch.undo()
        assert task_of(premises).next_attempt_at <= utcnow()  # due for the next sweep
        assert locations.sweep()["queued"] == 1
    run_worker(app)
    assert Premises.get_by_id(premises.id).location_precision == "address"


def test_the_sweep_finds_records_saved_without_a_request(app, gazetteer):
    premises = Premises.create(name="Old Record", type="shop", address="16 Eastgate Parade, Eastbrook",
                               postcode="EB1 4QT")
    Premises.create(name="Already Placed", type="shop", address="2 Station Yard", postcode="EB2 7LX", lat=53.7,
                    lon=-1.9, location_precision="manual", location_source="manual")
    with app.app_context():
        assert locations.sweep() == {"found": 1, "queued": 1}
        assert locations.sweep() == {"found": 0, "queued": 0}
    run_worker(app)
    assert Premises.get_by_id(premises.id).location_precision == "address"


def test_the_follow_ups_sweep_runs_the_geocoding_sweep(app, gazetteer):
    from followups import outbox

    premises = Premises.create(name="Old Record", type="shop", address="2 Station Yard, Eastbrook", postcode="EB2 7LX")
    with app.app_context():
        outbox.sweep()
    assert task_of(premises).status == "waiting" and len(geocoding_jobs(app)) == 1


def test_a_gazetteer_import_gives_records_not_found_another_try(app, make_user, runner, tmp_path):
    constable = make_user("police")
    with app.app_context():
        premises = workflow.create_premises(constable, "Mill Cafe", "takeaway", "3 Mill Lane, Eastbrook", "EB3 2AB")
    run_worker(app)
    assert task_of(premises).status == "not_found"
    path = tmp_path / "addresses.csv"
    path.write_text("address,postcode,lat,lon\n3 Mill Lane Eastbrook,EB3 2AB,53.7455,-1.885\n")
    assert runner.invoke(args=["import-gazetteer", str(path)]).exit_code == 0
    assert task_of(premises).status == "waiting"
    with app.app_context():
        locations.sweep()
    run_worker(app)
    assert Premises.get_by_id(premises.id).location_precision == "address"


# -- the "needs a location" list and placing by hand ---------------------------------------------------------------

@pytest.fixture
def unlocated(app, make_org, make_user):
    """Records no geocoder found: premises, a P-coded entry, a C-coded entry the viewer's force may read, and a
    C-coded entry the viewer's force may not see at all."""
    police = make_org("police", name="Northshire Police")
    team = make_org("specialist", name="Northshire CSE Team")
    constable = make_user("police", organisation=police)
    analyst = make_user("specialist", organisation=team)

    def entry(author, code, address, organisations=()):
        return intelligence.create_entry(
            author, text="Seen there.", source_evaluation=2, intelligence_assessment="B", handling_code=code,
            handling_conditions="Police and the CSE team only." if code == "C" else "",
            organisation_ids=[o.id for o in organisations], occurred_at=datetime(2026, 10, 1, 21),
            place_address=address, place_postcode="EB6 1AA")

    with app.app_context():
        records = {
            "premises": workflow.create_premises(constable, "<img src=x onerror=alert(1)>", "takeaway",
                                                 "7 Canal Side, Eastbrook", "EB6 1AA"),
            "open": entry(constable, "P", "Bus station, Eastbrook"),
            "shared": entry(analyst, "C", "Flat 3, 9 Canal Side", organisations=[police]),
            "closed": entry(analyst, "C", "Behind the Canal Tavern"),
        }
    run_worker(app)
    return {"constable": constable, "analyst": analyst, **records}


@pytest.mark.parametrize("role", ROLES)
def test_only_police_and_specialists_see_the_list_and_place_records(app, client, make_user, log_in, role):
    premises = Premises.create(name="Corner Shop", type="shop", address="1 Nowhere Lane", postcode="EB5 1AA")
    log_in(make_user(role))
    allowed = role in ("police", "specialist")
    for method, url in (("get", "/locations"), ("get", f"/locations/premises/{premises.id}"),
                        ("post", f"/locations/premises/{premises.id}/place")):
        response = getattr(client, method)(url, data={"lat": "53.74", "lon": "-1.89"} if method == "post" else None)
        assert (response.status_code in (200, 302)) if allowed else response.status_code == 403, (role, url)
    assert Premises.get_by_id(premises.id).location_precision == ("manual" if allowed else None)


def test_the_list_shows_what_the_reader_may_see_and_hides_c_coded_places(app, client, log_in, unlocated):
    log_in(unlocated["constable"])
    page = client.get("/locations").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert "7 Canal Side, Eastbrook (EB6 1AA)" in page and "Bus station, Eastbrook" in page
    assert f"Intelligence {unlocated['shared'].id} (2BC)" in page and "Flat 3, 9 Canal Side" not in page
    assert "C-coded: open it with a reason" in page
    assert f"Intelligence {unlocated['closed'].id}" not in page and "Canal Tavern" not in page
    assert "Not found" in page and "the online geocoder is off" in page
    listed = AuditEvent.get(AuditEvent.action == "intelligence.list")
    assert listed.reason == (f"needs a location list: entries {unlocated['open'].id}, {unlocated['shared'].id}")
    # A search never matches a place the reader may not read.
    assert "Intelligence" not in client.get("/locations?q=Flat 3").get_data(as_text=True).split("<tbody>")[1]
    found = client.get("/locations?q=eb61aa&kind=premises").get_data(as_text=True)
    assert "7 Canal Side" in found and "Bus station" not in found
    assert "Bus station" in client.get("/locations?kind=intelligence&status=not_found").get_data(as_text=True)


def test_the_list_exports_csv_audited(app, client, log_in, unlocated):
    log_in(unlocated["constable"])
    response = client.get("/locations?format=csv")
    lines = response.get_data(as_text=True).splitlines()
    assert response.mimetype == "text/csv" and lines[0] == "kind,id,record,address,postcode,status,attempts,problem"
    assert len(lines) == 4
    assert any(line.startswith(f"intelligence,{unlocated['shared'].id},") and "give a reason" in line
               for line in lines)
    assert AuditEvent.select().where(AuditEvent.action == "needs-location.export").count() == 1


def test_placing_by_hand_sets_manual_precision_audits_and_no_geocoder_overwrites_it(app, client, log_in,
                                                                                   unlocated, gazetteer):
    premises = unlocated["premises"]
    log_in(unlocated["constable"])
    page = client.get(f"/locations/premises/{premises.id}").get_data(as_text=True)
    assert "leaflet.js" in page and "js/place-map.js" in page and "<script>" not in page
    data = json.loads(re.search(r'<script type="application/json" id="place-map-data">(.*?)</script>', page,
                                re.S).group(1))
    assert data["current"] is None
    response = client.post(f"/locations/premises/{premises.id}/place", data={"lat": "53.74102", "lon": "-1.88761"})
    assert response.status_code == 302 and response.location == "/locations"
    placed = Premises.get_by_id(premises.id)
    assert placed.location == {"lat": 53.74102, "lon": -1.88761, "precision": "manual", "source": "manual"}
    assert task_of(premises).status == "placed"
    event = AuditEvent.get(AuditEvent.action == "location.place")
    assert (event.user_id, event.record_type, event.record_id) == (unlocated["constable"].id, "premises", premises.id)
    assert "53.741020, -1.887610" in event.reason
    assert "7 Canal Side" not in client.get("/locations").get_data(as_text=True)
    # A job delivered late, or a new request, never overwrites a location placed by hand.
    LocationTask.update(status="waiting").where(LocationTask.id == task_of(premises).id).execute()
    with app.app_context():
        assert locations.locate_record("premises", premises.id) == "skipped"
        locations.request_location(Premises.get_by_id(premises.id))
    assert Premises.get_by_id(premises.id).location_precision == "manual"


@pytest.mark.parametrize("lat, lon, message", [
    ("48.85", "2.35", "outside the United Kingdom"),
    ("-1.89", "53.74", "outside the United Kingdom"),  # swapped
    ("", "", "Click the map where the place is"),
    ("fifty-three", "-1.89", "Give a number of degrees"),
])
def test_a_bad_point_is_refused_with_a_clear_message(app, client, log_in, unlocated, lat, lon, message):
    premises = unlocated["premises"]
    log_in(unlocated["constable"])
    response = client.post(f"/locations/premises/{premises.id}/place", data={"lat": lat, "lon": lon})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert Premises.get_by_id(premises.id).location is None
    assert not AuditEvent.select().where(AuditEvent.action == "location.place").exists()


def test_placing_needs_the_forms_csrf_token(app, client, log_in, unlocated):
    app.config["WTF_CSRF_ENABLED"] = True
    premises = unlocated["premises"]
    log_in_page = client.get("/login")
    client.post("/login", data={"email": unlocated["constable"].email, "password": "correct horse battery staple",
                                "csrf_token": csrf_token_from(log_in_page)})
    url = f"/locations/premises/{premises.id}/place"
    assert client.post(url, data={"lat": "53.74", "lon": "-1.89"}).status_code == 400
    token = csrf_token_from(client.get(f"/locations/premises/{premises.id}"))
    assert client.post(url, data={"lat": "53.74", "lon": "-1.89", "csrf_token": token}).status_code == 302
    assert Premises.get_by_id(premises.id).location_precision == "manual"


def test_a_c_coded_place_opens_with_a_reason_before_it_is_placed(app, client, log_in, unlocated):
    entry = unlocated["shared"]
    log_in(unlocated["constable"])
    page = client.get(f"/locations/intelligence/{entry.id}").get_data(as_text=True)
    assert "Say why you" in page and "Flat 3, 9 Canal Side" not in page
    assert client.post(f"/locations/intelligence/{entry.id}/place", data={"lat": "53.74", "lon": "-1.89"}
                       ).status_code == 302
    assert IntelligenceEntry.get_by_id(entry.id).lat is None  # no reason, no placing
    page = client.post(f"/locations/intelligence/{entry.id}/open", data={"reason": "Mapping the canal reports"}
                       ).get_data(as_text=True)
    assert "Flat 3, 9 Canal Side" in page
    read = AuditEvent.get(AuditEvent.action == "intelligence.read")
    assert read.record_id == entry.id and read.reason == "placing it on the map: Mapping the canal reports"
    response = client.post(f"/locations/intelligence/{entry.id}/place",
                           data={"lat": "53.7410", "lon": "-1.8870", "reason": "Mapping the canal reports"})
    assert response.status_code == 302
    assert IntelligenceEntry.get_by_id(entry.id).location_precision == "manual"
    # An entry the reader may not see is not found, and nothing is disclosed.
    assert client.get(f"/locations/intelligence/{unlocated['closed'].id}").status_code == 404
    assert client.get("/locations/nothing/1").status_code == 404


def test_the_premises_page_says_why_it_has_no_location_and_links_to_placing_it(app, client, log_in, unlocated):
    log_in(unlocated["constable"])
    page = client.get(f"/records/premises/{unlocated['premises'].id}").get_data(as_text=True)
    assert "Not found" in page and f"/locations/premises/{unlocated['premises'].id}" in page


def test_the_placing_map_draws_the_postcodes_gazetteer_addresses_as_data(app, client, log_in, make_user):
    add_address("1 Canal Side </script><b>", "EB6 1AA", 53.7401, -1.8871)
    premises = Premises.create(name="Canal Cafe", type="takeaway", address="7 Canal Side", postcode="EB6 1AA")
    log_in(make_user("police"))
    page = client.get(f"/locations/premises/{premises.id}").get_data(as_text=True)
    assert "</script><b>" not in page
    data = json.loads(re.search(r'id="place-map-data">(.*?)</script>', page, re.S).group(1))
    assert data["nearby"] == [{"lat": 53.7401, "lon": -1.8871, "label": "1 Canal Side </script><b>"}]
    assert data["centre"] == {"lat": 53.7401, "lon": -1.8871}
