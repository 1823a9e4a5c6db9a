"""People, vehicles, premises and intelligence: what every agency logs (POLE: people, objects, locations, events)."""
from peewee import (SQL, CharField, DateField, DateTimeField, DoubleField, ForeignKeyField, IntegerField, TextField,
                    Value, fn)

from core.db import BaseModel, is_sqlite
from core.models import Organisation, User
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

    class Meta:
        # Name search (migration 0010) on one backend each, so not declarable as fields or indexes here.
        backend_objects = {
            "sqlite": {"table": ["person_name_search"],
                       "trigger": ["person_name_search_insert", "person_name_search_update",
                                   "person_name_search_delete"]},
            "postgresql": {"extension": ["pg_trgm"], "index": ["person_names_trgm"]},
        }

    @property
    def alias_list(self):
        return [alias for alias in self.aliases.splitlines() if alias.strip()]

    @classmethod
    def search(cls, q):
        query = cls.select().order_by(fn.LOWER(cls.name), cls.id)
        if q:
            query = query.where(cls.named(q))
        return query

    @classmethod
    def named(cls, q, column=None):
        """A condition that column (Person.id, or a foreign key to person) is someone one of whose names (the name
        or an alias) matches q: the one way a person's name is searched. Case does not matter, in any alphabet
        ("ÉMILE" finds "Émile"); accents do; % and _ are ordinary characters; runs of spaces count as one. Three or
        more characters match anywhere in a name; two match the start of a word ("ng" finds "Kevin Ng" and
        "Ngozi", not "Wong"); one matches nobody. Answered by the trigram indexes of migration 0010."""
        column = cls.id if column is None else column
        term = " ".join((q or "").split())
        if len(term) < 2:
            return SQL("1 = 0")
        if len(term) == 2:
            term = " " + term  # every indexed line starts with a space, so this is the start of a word
        if is_sqlite():
            # One FTS5 phrase: with the trigram tokenizer, a case-insensitive substring, whatever it contains.
            phrase = '"' + term.replace('"', '""') + '"'
            return column.in_(SQL("(SELECT rowid FROM person_name_search WHERE person_name_search MATCH ?)", [phrase]))
        # = ANY(ARRAY(...)) rather than IN (...): inside an OR (as Licence.matching has it) PostgreSQL would test IN
        # row by row over a scan of the whole table, and an array it probes through column's index. ILIKE, with %
        # and _ escaped, is answered by the trigram index.
        people = cls.select(cls.id).where(names_text().contains(term))
        return column == fn.ANY(fn.ARRAY(people))

    def __str__(self):
        return self.name


def names_text():
    """Every name a person goes by, as migration 0010 indexes it on PostgreSQL: the name and each alias on a line
    of its own, each line starting with a space. The planner uses the index only for this very expression."""
    return Value(" ").concat(Person.name).concat("\n ").concat(fn.REPLACE(Person.aliases, "\n", "\n "))


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
    # The location slot: empty until geocoded (or placed by hand). Double precision: PostgreSQL's 4-byte REAL
    # would round a latitude to about 40 cm.
    lat = DoubleField(null=True)
    lon = DoubleField(null=True)
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


# The 3x5x2 intelligence grading (the national intelligence model's source, intelligence and handling codes).
SOURCE_EVALUATIONS = {1: "1: reliable", 2: "2: untested", 3: "3: not reliable"}
INTELLIGENCE_ASSESSMENTS = {
    "A": "A: known directly to the source",
    "B": "B: known indirectly to the source but corroborated",
    "C": "C: known indirectly to the source",
    "D": "D: not known",
    "E": "E: suspected to be false",
}
HANDLING_CODES = {"P": "P: lawful sharing permitted", "C": "C: lawful sharing permitted with conditions"}
# Roles that may read intelligence at all (SPEC §2): never partners, never a plain administrator.
INTELLIGENCE_READERS = frozenset({"police", "specialist", "licensing_officer"})


class IntelligenceEntry(BaseModel):
    """A graded piece of intelligence about people, vehicles and premises; its handling code says who may read it."""

    text = TextField()
    source_evaluation = IntegerField()
    intelligence_assessment = CharField(max_length=1)
    handling_code = CharField(max_length=1, index=True)
    handling_conditions = TextField(default="")  # required when the code is C
    occurred_at = DateTimeField(index=True)  # when the event happened, naive UTC
    place_address = TextField(default="")
    place_postcode = CharField(max_length=8, null=True)
    # The location slot, as on Premises: empty until geocoded or placed by hand.
    lat = DoubleField(null=True)
    lon = DoubleField(null=True)
    location_precision = CharField(max_length=10, null=True)
    location_source = CharField(max_length=30, null=True)
    organisation = ForeignKeyField(Organisation, on_delete="RESTRICT")  # the originating organisation
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow, index=True)

    @property
    def grading(self):
        return f"{self.source_evaluation}{self.intelligence_assessment}{self.handling_code}"

    @property
    def restricted(self):
        return self.handling_code == "C"

    @classmethod
    def visible_to(cls, user):
        """The entries user may read: P-coded for police, specialist and licensing staff; C-coded only for the
        originating organisation and the organisations its conditions name. Partners and admins see none."""
        query = cls.select()
        if not (user.roles & INTELLIGENCE_READERS):
            return query.where(False)
        named = IntelligenceRecipient.select(IntelligenceRecipient.id).where(
            (IntelligenceRecipient.entry == cls.id) & (IntelligenceRecipient.organisation == user.organisation_id))
        return query.where((cls.handling_code == "P") | (cls.organisation == user.organisation_id)
                           | fn.EXISTS(named))

    def __str__(self):
        return f"Intelligence {self.id} ({self.grading})"


# Covers the hotspot analysis's read of a window of located entries (hotspots/sources.py).
IntelligenceEntry.add_index(IntelligenceEntry.occurred_at, IntelligenceEntry.lat, IntelligenceEntry.lon,
                            IntelligenceEntry.location_precision, name="intelligence_entry_located")


class IntelligenceRecipient(BaseModel):
    """An organisation a C-coded entry's handling conditions allow to read it."""

    entry = ForeignKeyField(IntelligenceEntry, backref="recipients", on_delete="CASCADE")
    organisation = ForeignKeyField(Organisation, on_delete="RESTRICT")

    class Meta:
        indexes = ((("entry", "organisation"), True),)


class IntelligencePerson(BaseModel):
    entry = ForeignKeyField(IntelligenceEntry, backref="person_links", on_delete="CASCADE")
    person = ForeignKeyField(Person, backref="intelligence_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("entry", "person"), True), (("person", "entry"), False))


class IntelligenceVehicle(BaseModel):
    entry = ForeignKeyField(IntelligenceEntry, backref="vehicle_links", on_delete="CASCADE")
    vehicle = ForeignKeyField(Vehicle, backref="intelligence_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("entry", "vehicle"), True), (("vehicle", "entry"), False))


class IntelligencePremises(BaseModel):
    entry = ForeignKeyField(IntelligenceEntry, backref="premises_links", on_delete="CASCADE")
    premises = ForeignKeyField(Premises, backref="intelligence_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("entry", "premises"), True), (("premises", "entry"), False))
