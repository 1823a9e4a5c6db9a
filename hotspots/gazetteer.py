"""The gazetteer import: the authority's own address data (a CSV file) into the gazetteer the geocoding chain reads
first. `flask import-gazetteer FILE.csv [--dry-run]` runs it.

Columns, named in the header line in any order: uprn (optional), address, postcode, and a point given either as
easting and northing on the British National Grid (EPSG:27700, converted to WGS 84 with pyproj) or as lat and lon
(WGS 84). The file is read like the licence register (core/csvfile.py): UTF-8, comma separated, one header line.

What a row does:
- it is the entry with its UPRN when it has one, else the entry with its normalised address in its postcode;
- a new entry is created; a known one whose wording or point (by more than a centimetre) differs is updated; one
  that matches exactly is "unchanged" and writes nothing, so importing a file twice changes nothing the second time;
- a row with any problem is reported with its line and the reason, and nothing of it is written; the other rows
  are imported. Each row is one entry, so it is written whole or not at all: a batch's new entries go in one INSERT
  (row by row, each in its own savepoint, if the database refuses it), and each batch commits with its counts.
After a run that created or updated entries, the geocode cache forgets its answers in the postcodes the run
changed, and records no geocoder could find are tried again.
"""
import math
from dataclasses import dataclass, field

from peewee import IntegrityError, Tuple
from pyproj import Transformer

from core import audit
from core.csvfile import FileProblem, read_rows
from core.db import db
from core.timeutil import utcnow
from hotspots import geocoding, locations
from hotspots.models import GazetteerAddress, GazetteerImport
from records import normalise

REQUIRED_COLUMNS = ("address", "postcode")
OPTIONAL_COLUMNS = ("uprn", "easting", "northing", "lat", "lon")
MAX_ADDRESS = 500
BATCH_ROWS = 500
# The British National Grid's extent, in metres from its false origin.
EASTING = (0, 700_000)
NORTHING = (0, 1_300_000)
SAME_POINT_DEGREES = 1e-7  # about a centimetre: a point that moved less is unchanged
DIGITS = 7  # points are stored to about a centimetre, so a second import of a file compares equal
COUNTED = {"create": "created", "update": "updated", "unchanged": "unchanged"}


_to_wgs84 = None


def bng_to_wgs84(easting, northing):
    """(lat, lon) in WGS 84 of a British National Grid point. pyproj uses the most accurate transformation it has:
    OS's OSTN15 grid (within 0.1 m) where its file is installed in PROJ's data directory, otherwise the
    seven-parameter Helmert transformation that ships with it (about 2 m, up to 5 m in the far south-west)."""
    global _to_wgs84
    if _to_wgs84 is None:
        _to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    lon, lat = _to_wgs84.transform(easting, northing)
    return lat, lon


@dataclass
class Row:
    """One row of the file, read and checked on its own."""

    line: int
    uprn: str | None = None
    address: str = ""
    key: str = ""
    postcode: str = ""
    lat: float | None = None
    lon: float | None = None
    errors: list = field(default_factory=list)  # (column or None, message)

    def fail(self, column, message):
        self.errors.append((column, message))

    @property
    def values(self):
        return {"uprn": self.uprn, "address": self.address, "address_key": self.key, "postcode": self.postcode,
                "lat": self.lat, "lon": self.lon}


def _number(row, cells, name):
    text = (cells.get(name) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        row.fail(name, f"'{text}' is not a number.")
        return None
    return value


def _point(row, cells):
    """The row's point as (lat, lon) in WGS 84, from easting and northing or from lat and lon."""
    grid = [_number(row, cells, name) for name in ("easting", "northing")]
    degrees = [_number(row, cells, name) for name in ("lat", "lon")]
    if row.errors:
        return None
    if any(value is not None for value in grid) and any(value is not None for value in degrees):
        row.fail(None, "Give the point once: easting and northing, or lat and lon, not both.")
    elif all(value is not None for value in grid):
        easting, northing = grid
        if not (EASTING[0] <= easting <= EASTING[1] and NORTHING[0] <= northing <= NORTHING[1]):
            row.fail("easting", f"{easting:g}, {northing:g} is not on the British National Grid (easting 0 to "
                                "700000, northing 0 to 1300000 metres).")
        else:
            return bng_to_wgs84(easting, northing)
    elif all(value is not None for value in degrees):
        return tuple(degrees)
    else:
        row.fail(None, "Give the point: both easting and northing, or both lat and lon.")
    return None


def parse_row(line, cells):
    """Read one row's cells into a Row, collecting every problem that needs no database to find."""
    row = Row(line=line)
    if cells.get(None):
        row.fail(None, f"The row has {len(cells[None])} more cell(s) than the header has columns.")
    if (cells.get("") or "").strip():
        row.fail(None, "A cell under a column with no name in the header: name the column or empty the cell.")
    uprn = (cells.get("uprn") or "").strip()
    if uprn:
        if uprn.isdigit() and len(uprn) <= 12:
            row.uprn = geocoding.normal_uprn(uprn)
        else:
            row.fail("uprn", f"'{uprn}' is not a UPRN: up to 12 digits.")
    row.address = " ".join((cells.get("address") or "").split())
    if not row.address:
        row.fail("address", "Give the address.")
    elif len(row.address) > MAX_ADDRESS:
        row.fail("address", f"At most {MAX_ADDRESS} characters.")
    postcode = (cells.get("postcode") or "").strip()
    if not postcode:
        row.fail("postcode", "Give the postcode: addresses are matched within their postcode.")
    elif normalise.postcode_problem(postcode):
        row.fail("postcode", f"'{postcode}' is not a UK postcode.")
    else:
        row.postcode = normalise.postcode(postcode)
    row.key = geocoding.address_key(row.address, row.postcode)
    if row.address and not row.key:
        row.fail("address", "The address has no letters or digits.")
    point = _point(row, cells)
    if point is not None:
        lat, lon = point
        if not geocoding.in_uk(lat, lon):
            row.fail(None, f"The point ({lat:.5f}, {lon:.5f}) is outside the United Kingdom "
                           f"({geocoding.UK_BOUNDS_TEXT}). Check the columns are not swapped.")
        else:
            row.lat, row.lon = round(lat, DIGITS), round(lon, DIGITS)
    return row


def refuse_duplicates(rows):
    """A UPRN, or an address in a postcode, given on more than one row: none of those rows is imported, as it is
    unclear which one is right."""
    for name, identity in (("uprn", lambda row: row.uprn), ("address", lambda row: (row.postcode, row.key)
                                                            if row.postcode and row.key else None)):
        lines = {}
        for row in rows:
            if identity(row):
                lines.setdefault(identity(row), []).append(row.line)
        for row in rows:
            others = [str(line) for line in lines.get(identity(row), ()) if line != row.line]
            if identity(row) and others:
                what = f"UPRN {row.uprn}" if name == "uprn" else "This address in this postcode"
                row.fail(name, f"{what} is also on line(s) {', '.join(others)}: give each address once.")


@dataclass
class Result:
    """What an import did (or, dry, would do), with every problem row."""

    filename: str
    dry_run: bool
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    problems: list = field(default_factory=list)  # (line, column or None, message)
    run: GazetteerImport | None = None

    @property
    def imported(self):
        return self.created + self.updated + self.unchanged

    def summary(self):
        would = "would be " if self.dry_run else ""
        text = (f"{self.total} row(s) read: {self.created} {would}created, {self.updated} {would}updated, "
                f"{self.unchanged} unchanged, {self.failed} not imported because of errors.")
        return ("Dry run, nothing written. " if self.dry_run else "") + text


def _differs(entry, row):
    return (entry.address != row.address or entry.postcode != row.postcode or entry.address_key != row.key
            or (row.uprn and entry.uprn != row.uprn) or abs(entry.lat - row.lat) > SAME_POINT_DEGREES
            or abs(entry.lon - row.lon) > SAME_POINT_DEGREES)


class Importer:
    """Works through the rows in batches, looking each batch's entries up in two queries."""

    def __init__(self, result):
        self.result = result
        self.changed_postcodes = set()

    def plan(self, row, by_uprn, by_address):
        """(entry to update or None, action), or (None, None) with row.errors filled in."""
        same_address = by_address.get((row.postcode, row.key))
        entry = by_uprn.get(row.uprn) if row.uprn else same_address
        if entry is None and row.uprn and same_address is not None:
            if same_address.uprn:
                row.fail("uprn", f"The gazetteer has this address in {row.postcode} under UPRN {same_address.uprn}.")
                return None, None
            entry = same_address  # the address was imported without its UPRN: this row gives it one
        if entry is None:
            return None, "create"
        return entry, "update" if _differs(entry, row) else "unchanged"

    def fields(self, row, entry):
        fields = dict(row.values, updated_at=utcnow(), source_file=self.result.filename[:255],
                      source_import=self.result.run)
        if entry is not None and not row.uprn:
            fields["uprn"] = entry.uprn  # a row without a UPRN never takes one away
        return fields

    def write(self, row, entry):
        """Create (entry None) or update one entry in its own savepoint; False if the database refused it."""
        try:
            with db.atomic():
                if entry is None:
                    GazetteerAddress.insert(self.fields(row, None)).execute()
                else:
                    GazetteerAddress.update(self.fields(row, entry)).where(GazetteerAddress.id == entry.id).execute()
        except IntegrityError:
            row.fail(None, "Another gazetteer entry has this UPRN, or this address in this postcode; nothing of the "
                           "row was written.")
            return False
        self.changed_postcodes.add(row.postcode)
        if entry is not None:
            self.changed_postcodes.add(entry.postcode)
        return True

    def create_all(self, rows):
        """New entries in one INSERT; if the database refuses it, one by one, so only the rows at fault fail."""
        if not rows:
            return rows
        try:
            with db.atomic():
                GazetteerAddress.insert_many([self.fields(row, None) for row in rows]).execute()
        except IntegrityError:
            return [row for row in rows if self.write(row, None)]
        self.changed_postcodes.update(row.postcode for row in rows)
        return rows

    def process(self, rows):
        valid = [row for row in rows if not row.errors]
        uprns = sorted({row.uprn for row in valid if row.uprn})
        addresses = sorted({(row.postcode, row.key) for row in valid})
        columns = (GazetteerAddress.id, GazetteerAddress.uprn, GazetteerAddress.address, GazetteerAddress.address_key,
                   GazetteerAddress.postcode, GazetteerAddress.lat, GazetteerAddress.lon)
        by_uprn = {entry.uprn: entry for entry in GazetteerAddress.select(*columns)
                   .where(GazetteerAddress.uprn.in_(uprns)).namedtuples()} if uprns else {}
        by_address = {(entry.postcode, entry.address_key): entry for entry in GazetteerAddress.select(*columns).where(
            Tuple(GazetteerAddress.postcode, GazetteerAddress.address_key).in_(addresses)).namedtuples()} \
            if addresses else {}
        done, creates = [], []
        for row in rows:
            entry, action = (None, None) if row.errors else self.plan(row, by_uprn, by_address)
            if action == "create":
                creates.append(row)
                continue
            if action == "update" and not self.result.dry_run and not self.write(row, entry):
                action = None
            done.append((row, action))
        created = set(map(id, creates if self.result.dry_run else self.create_all(creates)))
        done += [(row, "create" if id(row) in created else None) for row in creates]
        for row, action in sorted(done, key=lambda pair: pair[0].line):
            if action is None:
                self.result.failed += 1
                self.result.problems += [(row.line, column, message) for column, message in row.errors]
            else:
                name = COUNTED[action]
                setattr(self.result, name, getattr(self.result, name) + 1)


def import_file(filename, text, dry_run=False):
    """Import a gazetteer file's text; returns its Result. Raises FileProblem when the file as a whole is unusable
    (nothing is then written)."""
    header, cells = read_rows(text, REQUIRED_COLUMNS, OPTIONAL_COLUMNS, "addresses")
    if not ({"easting", "northing"} <= set(header) or {"lat", "lon"} <= set(header)):
        raise FileProblem("The file needs a point for each address: columns easting and northing (British National "
                          "Grid), or lat and lon (WGS 84).")
    rows = [parse_row(line, row) for line, row in cells]
    refuse_duplicates(rows)
    result = Result(filename=filename, dry_run=dry_run, total=len(rows))
    if not dry_run:
        result.run = GazetteerImport.create(filename=filename[:255])
    importer = Importer(result)
    for start in range(0, len(rows), BATCH_ROWS):
        with db.atomic():
            importer.process(rows[start:start + BATCH_ROWS])
    if result.run is not None:
        with db.atomic():
            GazetteerImport.update(finished_at=utcnow(), total_rows=result.total, created=result.created,
                                   updated=result.updated, unchanged=result.unchanged, failed=result.failed).where(
                GazetteerImport.id == result.run.id).execute()
            if importer.changed_postcodes:
                geocoding.forget_postcodes(importer.changed_postcodes)
                locations.retry_not_found()
    audit.record("gazetteer.import", result.run, record_type="gazetteer_import",
                 reason=f"{filename}: {result.summary()}"[:1000])
    return result
