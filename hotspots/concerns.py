"""Locations of concern: a place, a time and a type that specialist and partner staff log for the hotspot maps.

There is deliberately no name field and no free text about anyone: a location of concern says where and when
something worrying was seen, never who. The place may be described briefly ("car park behind the parade"),
and the form warns against identifying text.
"""
from peewee import CharField, DateTimeField, FloatField, ForeignKeyField

from core import audit
from core.db import BaseModel, db
from core.errors import Invalid
from core.models import Organisation, User
from core.timeutil import utcnow
from hotspots import geocoding, locations
from records.normalise import postcode as normal_postcode
from records.normalise import postcode_problem

CONCERN_TYPES = {
    "found_after_missing": "Young person found here after going missing",
    "concern_reported": "Concern reported at this place",
    "vehicle_of_concern": "Vehicle of concern seen here",
    "adults_of_concern": "Adults of concern seen gathering here",
    "other": "Other concern about this place",
}


class LocationOfConcern(BaseModel):
    type = CharField(max_length=30)
    occurred_at = DateTimeField()  # naive UTC; indexed with the location below
    place_description = CharField(max_length=200, default="")
    address = CharField(max_length=300, default="")
    postcode = CharField(max_length=8, null=True)
    # The location slot, as on premises: from the map click, or from geocoding the address.
    lat = FloatField(null=True)
    lon = FloatField(null=True)
    location_precision = CharField(max_length=10, null=True)
    location_source = CharField(max_length=30, null=True)
    organisation = ForeignKeyField(Organisation, on_delete="RESTRICT")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        # Covers the hotspot analysis's read of a window of events, so it never visits the table row by row.
        indexes = ((("occurred_at", "lat", "lon", "location_precision"), False),)

    @property
    def type_label(self):
        return CONCERN_TYPES.get(self.type, self.type)

    @classmethod
    def logged_by(cls, organisation_id):
        return cls.select().where(cls.organisation == organisation_id).order_by(cls.occurred_at.desc(), cls.id.desc())


def point_problems(lat, lon):
    """Field messages for a point that is half given or outside the UK."""
    if lat is None and lon is None:
        return {}
    if lat is None or lon is None:
        return {"lat" if lat is None else "lon": "Give both latitude and longitude, or click the map."}
    if not geocoding.in_uk(lat, lon):
        return {"lat": f"That point is outside the United Kingdom ({geocoding.UK_BOUNDS_TEXT})."}
    return {}


def log_concern(user, *, type, occurred_at, place_description="", address="", postcode=None, lat=None, lon=None):
    """Record a location of concern; it needs a place: a point on the map, or an address or postcode to geocode."""
    problems = {}
    if type not in CONCERN_TYPES:
        problems["type"] = "Choose the kind of concern."
    if occurred_at is None:
        problems["occurred_at"] = "Say when it happened."
    elif occurred_at > utcnow():
        problems["occurred_at"] = "This cannot be in the future."
    if postcode and postcode_problem(postcode):
        problems["postcode"] = postcode_problem(postcode)
    problems.update(point_problems(lat, lon))
    if lat is None and lon is None and not (address or "").strip() and not postcode:
        problems["address"] = "Click the map, or give an address or postcode."
    if problems:
        raise Invalid(problems)
    with db.atomic():
        concern = LocationOfConcern.create(
            type=type, occurred_at=occurred_at, place_description=(place_description or "").strip()[:200],
            address=(address or "").strip()[:300], postcode=normal_postcode(postcode) if postcode else None,
            lat=lat, lon=lon, location_precision="manual" if lat is not None else None,
            location_source="manual" if lat is not None else None, organisation=user.organisation_id,
            created_by=user)
        audit.record("location_of_concern.create", concern, user=user)
        if lat is None:
            locations.request_location(concern)  # geocoded in the background once this commits
    return concern


locations.register_locatable(
    "concern", LocationOfConcern, noun="location of concern", address=LocationOfConcern.address,
    postcode=LocationOfConcern.postcode, names=(LocationOfConcern.place_description,),
    title=lambda concern: f"{concern.type_label} ({concern.place_description or 'no description'})")
