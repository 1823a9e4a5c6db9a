"""Geocoding's tables: the gazetteer and its imports, the geocode cache, each record's location request, and the
administrator's decision on the online geocoder."""
from peewee import BooleanField, CharField, DateTimeField, DoubleField, ForeignKeyField, IntegerField, TextField

from core.db import BaseModel
from core.models import User
from core.timeutil import utcnow

# What a location request is waiting for:
# - waiting: to be geocoded when next_attempt_at comes (new, or retrying after an outage);
# - not_found: every geocoder answered and none knew the address, so a person must place it;
# - located: a geocoder found it; placed: a person placed it by hand (precision "manual").
TASK_STATES = ("waiting", "not_found", "located", "placed")
NEEDS_LOCATION = ("waiting", "not_found")


class GazetteerImport(BaseModel):
    """One run of `flask import-gazetteer` that wrote rows: where a gazetteer entry came from."""

    filename = CharField(max_length=255)
    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
    total_rows = IntegerField(default=0)
    created = IntegerField(default=0)
    updated = IntegerField(default=0)
    unchanged = IntegerField(default=0)
    failed = IntegerField(default=0)

    class Meta:
        table_name = "gazetteer_import"


class GazetteerAddress(BaseModel):
    """One address of the authority's own address data (an LLPG or AddressBase extract), with its point."""

    uprn = CharField(max_length=12, null=True, unique=True)  # the Unique Property Reference Number, digits
    address = TextField()  # as the file gives it
    address_key = TextField()  # geocoding.address_key(address, postcode): what a record's address is matched on
    postcode = CharField(max_length=8, index=True)  # normalised: "EB1 4QT"
    lat = DoubleField()
    lon = DoubleField()
    source_file = CharField(max_length=255)
    source_import = ForeignKeyField(GazetteerImport, null=True, backref="addresses", on_delete="SET NULL")
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "gazetteer_address"
        # One entry per address in a postcode, so an address match is never ambiguous.
        indexes = ((("postcode", "address_key"), True),)


class GeocodeCache(BaseModel):
    """What the chain found for a normalised address and postcode, so the same address is never looked up (or sent
    to an online geocoder) twice. A gazetteer import forgets the entries of the postcodes it changed."""

    address_key = TextField()
    postcode = CharField(max_length=8, default="")
    lat = DoubleField()
    lon = DoubleField()
    precision = CharField(max_length=10)  # address, postcode or locality
    source = CharField(max_length=30)  # "gazetteer" or the online service's name
    found_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "geocode_cache"
        indexes = ((("address_key", "postcode"), True),)


class LocationTask(BaseModel):
    """A record that has an address and needs a location: its geocoding attempts, when to try again, and why it
    is not located yet. record_type is the kind registered in hotspots.locations ("premises", "intelligence")."""

    record_type = CharField(max_length=30)
    record_id = IntegerField()
    status = CharField(max_length=10, default="waiting")
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    last_error = TextField(null=True)
    created_at = DateTimeField(default=utcnow, index=True)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "location_task"
        indexes = ((("record_type", "record_id"), True), (("status", "next_attempt_at"), False))

    @property
    def waiting(self):
        return self.status == "waiting"


class GeocoderSwitch(BaseModel):
    """The administrator's decision to send addresses to the online geocoder the environment allows (one row)."""

    online = BooleanField(default=False)
    changed_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    changed_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "geocoder_switch"
