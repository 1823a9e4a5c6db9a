"""The geocoding chain: the local gazetteer first, then an online geocoder only where an administrator allows it.

Both links are geopy geocoders (geopy.geocoders.base.Geocoder): Gazetteer below, and the online service named by
GEOCODER (geopy.geocoders.get_geocoder_for_service, e.g. Nominatim with a self-hosted GEOCODER_DOMAIN). locate()
tries, in order:

1. the cache of earlier answers, keyed by the normalised address and postcode (not for a query with a UPRN);
2. the gazetteer entry with the query's UPRN (precision "address");
3. the gazetteer entry with the same normalised address in the same postcode ("address");
4. the centroid of the gazetteer's addresses in the postcode ("postcode");
5. the online geocoder, if the environment names one AND an administrator switched it on. Its answer's precision
   comes from the raw answer (Nominatim's addresstype, class and type): "address", "postcode" or "locality".
Each answer keeps its source and precision and is cached, so an address goes to the online geocoder at
most once. Sending an address to an outside service is a disclosure: each request is audited before it is sent,
and requests are spaced GEOCODER_MIN_INTERVAL_SECONDS apart across every worker through one Redis key.

An outage (a geopy error, a rate limit that will not clear, Redis down) raises GeocodingUnavailable: the caller
tries again later. None means every link answered and none knew the address.
"""
import re
import time
import uuid
from dataclasses import dataclass

from flask import current_app
from geopy import exc as geopy_errors
from geopy.geocoders import Nominatim, get_geocoder_for_service
from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from peewee import fn
from redis.exceptions import RedisError

from core import audit
from core.db import db
from core.queue import redis
from core.timeutil import utcnow
from hotspots.models import GazetteerAddress, GeocodeCache, GeocoderSwitch
from records import normalise

# The United Kingdom's extent, Scilly to Shetland and Northern Ireland to Lowestoft: every point we store is inside.
UK_LAT = (49.8, 60.9)
UK_LON = (-8.7, 1.8)
UK_BOUNDS_TEXT = f"latitude {UK_LAT[0]} to {UK_LAT[1]}, longitude {UK_LON[0]} to {UK_LON[1]}"

# Road words written short in one place and long in another: both sides of a match are expanded the same way.
ABBREVIATIONS = {"rd": "road", "st": "street", "ave": "avenue", "av": "avenue", "ln": "lane", "dr": "drive",
                 "cl": "close", "cres": "crescent", "ct": "court", "gdns": "gardens", "gr": "grove", "pl": "place",
                 "sq": "square", "ter": "terrace", "terr": "terrace", "pde": "parade", "hse": "house"}
COUNTRY_WORDS = ("united kingdom", "uk", "great britain", "gb")
POSTCODE_IN_TEXT = re.compile(r"\b([A-Z]{1,2}[0-9][0-9A-Z]?) ?([0-9][A-Z]{2})\b", re.IGNORECASE)

PRECISIONS = ("address", "postcode", "locality")
# Nominatim's answers: these classes and address types name one property, so the point is the address itself.
ADDRESS_CLASSES = {"building", "amenity", "shop", "office", "craft", "tourism", "leisure", "healthcare",
                   "emergency", "historic", "club"}
ADDRESS_TYPES = ADDRESS_CLASSES | {"house", "house_number", "place"}
RATE_LIMIT_KEY = "hotspots:geocoder-rate"
RATE_WAIT_SECONDS = 30  # a worker waits this long for its turn, then hands the record back for later


class GeocodingUnavailable(Exception):
    """A geocoder could not answer now (outage, time-out, rate limit, Redis down): try the record again later."""


def in_uk(lat, lon):
    return lat is not None and lon is not None and UK_LAT[0] <= lat <= UK_LAT[1] and UK_LON[0] <= lon <= UK_LON[1]


def normal_uprn(text):
    """A UPRN as stored: its digits without leading zeros ("000100012345" -> "100012345"), or None."""
    digits = str(text or "").strip()
    return (digits.lstrip("0") or "0") if digits else None


def address_key(address, postcode=None):
    """The form addresses are matched in: lower case, letters and digits only, road words spelled out, and without
    the postcode or the country ("14, Eastgate Pde., EB1 4QT" -> "14 eastgate parade")."""
    text = (address or "").lower().replace("&", " and ")
    if postcode:
        code = normalise.postcode(postcode).lower()
        text = text.replace(code, " ").replace(code.replace(" ", ""), " ")
    words = [ABBREVIATIONS.get(word, word) for word in re.sub(r"[^a-z0-9]+", " ", text).split()]
    key = " ".join(words)
    for country in COUNTRY_WORDS:
        if key.endswith(" " + country):
            key = key[:-len(country) - 1]
    return key


@dataclass(frozen=True)
class AddressQuery:
    """What is geocoded: an address, its postcode (normalised) and, where the record holds one, its UPRN."""

    address: str = ""
    postcode: str | None = None
    uprn: str | None = None

    @classmethod
    def of(cls, query):
        """An AddressQuery from one, a dict with the same keys, or a string with the postcode at its end."""
        if isinstance(query, cls):
            return query
        if isinstance(query, dict):
            return cls(query.get("address") or "", query.get("postcode"), query.get("uprn"))
        text = str(query or "")
        found = list(POSTCODE_IN_TEXT.finditer(text))
        postcode = normalise.postcode("".join(found[-1].groups())) if found else None
        return cls(text, postcode)

    def __post_init__(self):
        object.__setattr__(self, "postcode", normalise.postcode(self.postcode) if self.postcode else None)
        object.__setattr__(self, "uprn", normal_uprn(self.uprn))

    @property
    def key(self):
        return address_key(self.address, self.postcode)

    @property
    def empty(self):
        return not (self.key or self.postcode or self.uprn)

    def text(self):
        """The query as one line for an online geocoder, ending with the postcode and the country."""
        parts = [self.address.strip().rstrip(",")] if self.key else []
        if self.postcode and self.postcode not in self.address.upper():
            parts.append(self.postcode)
        return ", ".join(parts + ["United Kingdom"])


@dataclass(frozen=True)
class Found:
    """A location and how it is known: stored in a record's location slot and in the cache."""

    lat: float
    lon: float
    precision: str
    source: str


def _location(address, lat, lon, precision, **raw):
    return Location(address, (lat, lon), {"precision": precision, "source": "gazetteer", **raw})


class Gazetteer(Geocoder):
    """The local gazetteer as a geopy geocoder: an exact UPRN, else the normalised address in its postcode, else the
    postcode's centroid. Location.raw carries "precision" ("address" or "postcode") and "source" ("gazetteer").
    It reads only the database: no request leaves the server."""

    def geocode(self, query, *, exactly_one=True, timeout=DEFAULT_SENTINEL):
        query = AddressQuery.of(query)
        found = self.by_uprn(query) or self.by_address(query) or self.by_postcode(query)
        if exactly_one:
            return found
        return [found] if found else []

    @staticmethod
    def by_uprn(query):
        if not query.uprn:
            return None
        entry = GazetteerAddress.get_or_none(GazetteerAddress.uprn == query.uprn)
        return entry and _location(entry.address, entry.lat, entry.lon, "address", uprn=entry.uprn)

    @staticmethod
    def by_address(query):
        if not (query.key and query.postcode):
            return None
        entry = GazetteerAddress.get_or_none((GazetteerAddress.postcode == query.postcode)
                                             & (GazetteerAddress.address_key == query.key))
        return entry and _location(entry.address, entry.lat, entry.lon, "address", uprn=entry.uprn)

    @staticmethod
    def by_postcode(query):
        if not query.postcode:
            return None
        lat, lon, count = (GazetteerAddress.select(fn.AVG(GazetteerAddress.lat), fn.AVG(GazetteerAddress.lon),
                                                   fn.COUNT(GazetteerAddress.id))
                           .where(GazetteerAddress.postcode == query.postcode).tuples().get())
        if not count:
            return None
        return _location(query.postcode, lat, lon, "postcode", addresses=count)


GAZETTEER = Gazetteer()


# -- the online geocoder -----------------------------------------------------------------------------------------

def online_allowed():
    """The environment names an online geocoder (GEOCODER): an administrator may then switch it on."""
    return bool(current_app.config["GEOCODER"])


def switch():
    """The administrator's decision, or None if no administrator ever made one (so: off)."""
    return GeocoderSwitch.select().order_by(GeocoderSwitch.id.desc()).first()


def online_enabled():
    """Addresses go to the online geocoder only when the environment allows it and an administrator switched it on."""
    if not online_allowed():
        return False
    decision = switch()
    return bool(decision and decision.online)


def set_online(user, online):
    """An administrator switches the online geocoder on or off; audited. Returns the switch."""
    with db.atomic():
        decision = switch() or GeocoderSwitch()
        decision.online, decision.changed_by, decision.changed_at = bool(online), user, utcnow()
        decision.save()
        audit.record("geocoder.switch_on" if online else "geocoder.switch_off", decision, user=user,
                     reason=describe_service())
    return decision


def describe_service():
    """Which outside service addresses would go to, in words."""
    config = current_app.config
    if not config["GEOCODER"]:
        return "no online geocoder is configured"
    return f"{config['GEOCODER']} at {config['GEOCODER_DOMAIN'] or 'its public service'}"


def online_geocoder():
    """The geopy geocoder GEOCODER names, built from the configuration (raises geopy's ConfigurationError or
    GeocoderNotFound when it is wrong)."""
    config = current_app.config
    options = {"user_agent": config["GEOCODER_USER_AGENT"], "timeout": config["GEOCODER_TIMEOUT_SECONDS"]}
    if config["GEOCODER_DOMAIN"]:
        options["domain"] = config["GEOCODER_DOMAIN"]
    return get_geocoder_for_service(config["GEOCODER"])(**options)


def precision_of(raw):
    """How exactly an online answer places the address, from the raw answer: "address" for one property,
    "postcode" for a postcode, "locality" for anything vaguer (a road, a village, a town). An answer in a shape we
    do not know counts as "locality", so a vague point never passes for an address."""
    if not isinstance(raw, dict):
        return "locality"
    address_type = raw.get("addresstype")
    category = raw.get("class") or raw.get("category")  # Nominatim's json and jsonv2
    kind = raw.get("type")
    if "postcode" in (address_type, kind):
        return "postcode"
    if address_type in ADDRESS_TYPES or category in ADDRESS_CLASSES or (category == "place" and kind == "house"):
        return "address"
    return "locality"


class SharedRateLimit:
    """At most one call per interval across every process sharing one Redis. The caller that SETs the key (NX,
    expiring after the interval) goes; the others sleep until it expires and try again. A worker that cannot get
    its turn within `wait` seconds raises GeocodingUnavailable and the record waits for a later try."""

    def __init__(self, connection, interval, key=RATE_LIMIT_KEY):
        self.connection, self.interval_ms, self.key = connection, max(int(interval * 1000), 1), key

    def acquire(self, wait):
        deadline = time.monotonic() + wait
        token = uuid.uuid4().hex
        try:
            while not self.connection.set(self.key, token, nx=True, px=self.interval_ms):
                left_ms = self.connection.pttl(self.key)
                if left_ms == -1:  # a key without an expiry would stop every worker for good
                    self.connection.pexpire(self.key, self.interval_ms)
                    left_ms = self.interval_ms
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise GeocodingUnavailable("the online geocoder's rate limit did not clear in time")
                time.sleep(min(max(left_ms, 1) / 1000, remaining))
        except RedisError as error:
            # Without Redis the limit cannot be kept, so no request is sent.
            raise GeocodingUnavailable(f"the shared rate limit cannot be checked ({error})") from error

    def hold(self, seconds):
        """Make every worker wait `seconds` (the service asked us to slow down)."""
        try:
            self.connection.set(self.key, "held", px=max(int(seconds * 1000), self.interval_ms))
        except RedisError:
            pass


def ask_online(query, subject):
    """One request to the online geocoder, after its turn under the shared rate limit and an audit row naming the
    record whose address is disclosed. subject is (record_type, record_id). Returns a Found or None."""
    config = current_app.config
    limit = SharedRateLimit(redis(), config["GEOCODER_MIN_INTERVAL_SECONDS"])
    try:
        geocoder = online_geocoder()
    except (geopy_errors.ConfigurationError, geopy_errors.GeocoderNotFound, TypeError) as error:
        raise GeocodingUnavailable(f"the online geocoder is misconfigured: {error}") from error
    limit.acquire(RATE_WAIT_SECONDS)
    record_type, record_id = subject or (None, None)
    audit.record("geocoder.disclose", record_type=record_type, record_id=record_id,
                 reason=f"address sent to {describe_service()} to geocode it")
    options = {"country_codes": "gb"} if isinstance(geocoder, Nominatim) else {}
    try:
        location = geocoder.geocode(query.text(), exactly_one=True, **options)
    except geopy_errors.GeocoderRateLimited as error:
        limit.hold(error.retry_after or 60)
        raise GeocodingUnavailable(f"{config['GEOCODER']} asked us to slow down: {error}") from error
    except geopy_errors.GeopyError as error:
        raise GeocodingUnavailable(f"{config['GEOCODER']}: {type(error).__name__}: {error}") from error
    if location is None or not in_uk(location.latitude, location.longitude):
        return None
    return Found(location.latitude, location.longitude, precision_of(location.raw), config["GEOCODER"])


# -- the chain ---------------------------------------------------------------------------------------------------

def _cached(query):
    entry = GeocodeCache.get_or_none((GeocodeCache.address_key == query.key)
                                     & (GeocodeCache.postcode == (query.postcode or "")))
    return entry and Found(entry.lat, entry.lon, entry.precision, entry.source)


def _remember(query, found):
    GeocodeCache.insert(address_key=query.key, postcode=query.postcode or "", lat=found.lat, lon=found.lon,
                        precision=found.precision, source=found.source, found_at=utcnow()).on_conflict(
        conflict_target=[GeocodeCache.address_key, GeocodeCache.postcode],
        update={GeocodeCache.lat: found.lat, GeocodeCache.lon: found.lon, GeocodeCache.precision: found.precision,
                GeocodeCache.source: found.source, GeocodeCache.found_at: utcnow()}).execute()


def _found(location):
    return Found(location.latitude, location.longitude, location.raw["precision"], location.raw["source"])


def locate(query, subject=None):
    """Run the chain (see the module docstring) for query: an AddressQuery, a dict or a string. subject names the
    record for the audit of an online request. Returns a Found, None when nobody knows the address, or raises
    GeocodingUnavailable when the online geocoder could not answer."""
    query = AddressQuery.of(query)
    if query.empty:
        return None
    # A UPRN is exact: it goes to the gazetteer before any cached answer for the address's wording.
    cached = None if query.uprn else _cached(query)
    if cached:
        return cached
    local = GAZETTEER.geocode(query)
    found = _found(local) if local else (ask_online(query, subject) if online_enabled() else None)
    if found:
        _remember(query, found)
    return found


def forget_postcodes(postcodes):
    """Forget cached answers in these postcodes (a gazetteer import changed them); returns how many."""
    forgotten = 0
    postcodes = sorted(set(postcodes))
    for start in range(0, len(postcodes), 500):
        forgotten += GeocodeCache.delete().where(GeocodeCache.postcode.in_(postcodes[start:start + 500])).execute()
    return forgotten
