"""People, vehicles and premises: the records every agency logs (POLE: people, objects, locations)."""
from peewee import CharField, DateField, DateTimeField, FloatField, ForeignKeyField, TextField, fn

from core.db import BaseModel
from core.models import User
from core.timeutil import utcnow
from records.normalise import postcode, registration

PREMISES_TYPES = {
    "takeaway": "Takeaway",
    "hotel": "Hotel",
    "tattoo_piercing": "Tattoo or piercing studio",
    "taxi_office": "Taxi office",
    "licensed_premises": "Licensed premises",
    "shop": "Shop",
    "residential": "Residential",
    "other": "Other",
}

PREMISES_ROLES = {"owner": "Owner", "operator": "Operator"}

# How exactly a location is known; hotspot analysis leaves out locality-level points.
LOCATION_PRECISIONS = ("address", "postcode", "locality", "manual")


class Person(BaseModel):
    """A nominal of interest: a suspected perpetrator, licence holder or premises owner. Never a child."""

    name = CharField(max_length=200, index=True)
    aliases = TextField(default="")  # one per line
    date_of_birth = DateField(null=True)
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    @property
    def alias_list(self):
        return [alias for alias in self.aliases.splitlines() if alias.strip()]

    @classmethod
    def search(cls, q):
        query = cls.select().order_by(fn.LOWER(cls.name), cls.id)
        if q:
            query = query.where(cls.name.contains(q.strip()) | cls.aliases.contains(q.strip()))
        return query

    def __str__(self):
        return self.name


class Vehicle(BaseModel):
    registration = CharField(max_length=8, unique=True)  # normalised: "AB12CDE"
    make = CharField(max_length=60, null=True)
    model = CharField(max_length=60, null=True)
    colour = CharField(max_length=30, null=True)
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    @property
    def description(self):
        return " ".join(part for part in (self.colour, self.make, self.model) if part)

    @classmethod
    def search(cls, q):
        query = cls.select().order_by(cls.registration)
        if q:
            # "ab12 cde" finds AB12CDE; a query with no letters or digits finds no vehicle, not all of them.
            mark = registration(q)
            query = query.where(cls.registration.contains(mark) if mark else False)
        return query

    def __str__(self):
        return self.registration


class Premises(BaseModel):
    name = CharField(max_length=200, index=True)
    type = CharField(max_length=20, index=True)
    address = TextField()
    postcode = CharField(max_length=8, null=True, index=True)  # normalised: "EB1 4QT"
    # The location slot: empty until geocoded (or placed by hand).
    lat = FloatField(null=True)
    lon = FloatField(null=True)
    location_precision = CharField(max_length=10, null=True)
    location_source = CharField(max_length=30, null=True)
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "premises"

    @property
    def type_label(self):
        return PREMISES_TYPES.get(self.type, self.type)

    @property
    def location(self):
        if self.lat is None or self.lon is None:
            return None
        return {"lat": self.lat, "lon": self.lon, "precision": self.location_precision,
                "source": self.location_source}

    @classmethod
    def search(cls, q):
        query = cls.select().order_by(fn.LOWER(cls.name), cls.id)
        if q:
            term = q.strip()
            # "eb14qt" finds EB1 4QT as stored.
            query = query.where(cls.name.contains(term) | cls.address.contains(term) | cls.postcode.contains(term)
                                | (cls.postcode == postcode(term)))
        return query

    def __str__(self):
        return self.name


class PremisesPerson(BaseModel):
    """Who owns or operates premises."""

    premises = ForeignKeyField(Premises, backref="people", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="premises_links", on_delete="CASCADE")
    role = CharField(max_length=10)

    class Meta:
        indexes = ((("premises", "person", "role"), True),)
