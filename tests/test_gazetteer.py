"""The gazetteer import: `flask import-gazetteer`, its checks of every row, British National Grid conversion, and
importing the same file twice."""
import statistics
import warnings

import pytest
from pyproj import Geod
from pyproj.transformer import TransformerGroup

from core.audit import AuditEvent
from hotspots.gazetteer import bng_to_wgs84
from hotspots.models import GazetteerAddress, GazetteerImport, GeocodeCache

# Ordnance Survey's published OSTN15 test points: National Grid easting and northing, and ETRS89 latitude and
# longitude (the same as WGS 84 to well under a metre in Great Britain). From the south-west to Shetland.
OS_TEST_POINTS = [
    ("TP01 St Mary's, Scilly", 91492.146, 11318.804, 49.92226393730, -6.29977752014),
    ("TP05 Southampton", 438710.920, 114792.250, 50.93127937910, -1.45051433700),
    ("TP09 London", 530624.974, 178388.464, 51.48936564950, -0.11992557180),
    ("TP12 Droitwich", 389544.190, 261912.153, 52.25529381630, -2.15458614387),
    ("Leeds", 422242.186, 433818.701, 53.8002151963, -1.66379168242),
    ("Foula, Shetland", 395999.668, 1138728.951, 60.1330809166, -2.07382822798),
]

GOOD = """uprn,address,postcode,easting,northing,lat,lon
100012345678,"14 Eastgate Parade, Eastbrook",EB1 4QT,422242.186,433818.701,,
,"16 Eastgate Parade, Eastbrook",eb14qt,,,53.7425,-1.8897
"""

MIXED = GOOD + """100012345679,"2 Station Yard, Eastbrook",EB2 7LQQ,,,53.748,-1.88
,,EB2 7LX,,,53.748,-1.88
,"3 Mill Lane, Eastbrook",EB3 2AB,,,48.85,2.35
,"4 Mill Lane, Eastbrook",EB3 2AB,four hundred,433818,,
,"5 Mill Lane, Eastbrook",EB3 2AB,422242,433818,53.74,-1.88
,"6 Mill Lane, Eastbrook",EB3 2AB,,,53.74,
12AB,"7 Mill Lane, Eastbrook",EB3 2AB,,,53.74,-1.88
100012345678,"8 Mill Lane, Eastbrook",EB3 2AB,,,53.74,-1.88
,"9 Mill Lane, Eastbrook",EB3 2AB,,,53.74,-1.88,extra
,"10 Mill Lane, Eastbrook",EB3 2AB,,,53.7451,-1.8851
"""


def write(tmp_path, text, name="addresses.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def run(runner, path, *extra):
    return runner.invoke(args=["import-gazetteer", str(path), *extra])


def entries():
    return {entry.address: entry for entry in GazetteerAddress.select()}


def test_the_import_reports_bad_rows_by_line_and_reason_and_keeps_the_good_ones(app, runner, tmp_path):
    result = run(runner, write(tmp_path, MIXED))
    assert result.exit_code == 0, result.output
    assert "12 row(s) read: 2 created, 0 updated, 0 unchanged, 10 not imported because of errors." in result.output
    for problem in (
            "line 2 uprn: UPRN 100012345678 is also on line(s) 11: give each address once.",
            "line 4 postcode: 'EB2 7LQQ' is not a UK postcode.",
            "line 5 address: Give the address.",
            "line 6 The point (48.85000, 2.35000) is outside the United Kingdom",
            "line 7 easting: 'four hundred' is not a number.",
            "line 8 Give the point once: easting and northing, or lat and lon, not both.",
            "line 9 Give the point: both easting and northing, or both lat and lon.",
            "line 10 uprn: '12AB' is not a UPRN: up to 12 digits.",
            "line 11 uprn: UPRN 100012345678 is also on line(s) 2: give each address once.",
            "line 12 The row has 1 more cell(s) than the header has columns."):
        assert problem in result.output, problem
    kept = entries()
    assert sorted(kept) == ["10 Mill Lane, Eastbrook", "16 Eastgate Parade, Eastbrook"]
    bakery = kept["16 Eastgate Parade, Eastbrook"]
    assert (bakery.postcode, bakery.lat, bakery.lon, bakery.uprn) == ("EB1 4QT", 53.7425, -1.8897, None)
    assert bakery.address_key == "16 eastgate parade eastbrook" and bakery.source_file == "addresses.csv"
    run_record = GazetteerImport.get()
    assert (run_record.total_rows, run_record.created, run_record.failed) == (12, 2, 10)
    assert bakery.source_import_id == run_record.id
    assert AuditEvent.get(AuditEvent.action == "gazetteer.import").record_id == run_record.id


def test_importing_the_same_file_again_changes_nothing(app, runner, tmp_path):
    path = write(tmp_path, GOOD)
    assert "2 created" in run(runner, path).output
    before = {address: (e.id, e.lat, e.lon, e.updated_at) for address, e in entries().items()}
    again = run(runner, path)
    assert again.exit_code == 0
    assert "2 row(s) read: 0 created, 0 updated, 2 unchanged, 0 not imported" in again.output
    assert {address: (e.id, e.lat, e.lon, e.updated_at) for address, e in entries().items()} == before


def test_a_changed_row_updates_its_entry_and_a_row_without_a_uprn_keeps_the_one_known(app, runner, tmp_path):
    run(runner, write(tmp_path, GOOD))
    GeocodeCache.create(address_key="16 eastgate parade eastbrook", postcode="EB1 4QT", lat=53.0, lon=-1.0,
                        precision="postcode", source="gazetteer")
    changed = """address,postcode,lat,lon
"14 EASTGATE PARADE, EASTBROOK",EB1 4QT,53.7421,-1.8893
"16 Eastgate Parade, Eastbrook",EB1 4QT,53.7425,-1.8897
"""
    result = run(runner, write(tmp_path, changed, "changed.csv"))
    assert "0 created, 1 updated, 1 unchanged" in result.output
    grill = GazetteerAddress.get(GazetteerAddress.address_key == "14 eastgate parade eastbrook")
    assert (grill.uprn, grill.address, grill.lat, grill.lon) == ("100012345678", "14 EASTGATE PARADE, EASTBROOK",
                                                                 53.7421, -1.8893)
    assert grill.source_file == "changed.csv"
    assert not GeocodeCache.select().exists()  # answers in a changed postcode are forgotten


def test_a_uprn_is_given_to_the_entry_with_its_address_and_never_to_another(app, runner, tmp_path):
    run(runner, write(tmp_path, GOOD))
    adopted = run(runner, write(tmp_path, "uprn,address,postcode,lat,lon\n"
                                          "200000000016,16 Eastgate Parade Eastbrook,EB1 4QT,53.7425,-1.8897\n",
                                "a.csv"))
    assert "1 updated" in adopted.output
    assert GazetteerAddress.get(GazetteerAddress.uprn == "200000000016").address_key == "16 eastgate parade eastbrook"
    clash = run(runner, write(tmp_path, "uprn,address,postcode,lat,lon\n"
                                        "300000000014,14 Eastgate Parade Eastbrook,EB1 4QT,53.7421,-1.8893\n", "b.csv"))
    assert clash.exit_code == 1
    assert "line 2 uprn: The gazetteer has this address in EB1 4QT under UPRN 100012345678." in clash.output
    assert not GazetteerAddress.select().where(GazetteerAddress.uprn == "300000000014").exists()
    # A row whose write the database refuses is reported, and nothing of it stays.
    moved = run(runner, write(tmp_path, "uprn,address,postcode,lat,lon\n"
                                        "200000000016,14 Eastgate Parade Eastbrook,EB1 4QT,53.7,-1.9\n", "c.csv"))
    assert "line 2 Another gazetteer entry has this UPRN, or this address in this postcode" in moved.output
    assert GazetteerAddress.get(GazetteerAddress.uprn == "200000000016").lat == 53.7425


def test_a_dry_run_checks_every_row_and_writes_nothing(app, runner, tmp_path):
    result = run(runner, write(tmp_path, MIXED), "--dry-run")
    assert result.exit_code == 0
    assert "Dry run, nothing written. 12 row(s) read: 2 would be created" in result.output
    assert "line 4 postcode" in result.output
    assert not GazetteerAddress.select().exists() and not GazetteerImport.select().exists()


@pytest.mark.parametrize("content, message", [
    ("address;postcode;lat;lon\n1 High St;EB1 4QT;53.7;-1.9\n".encode(), "The cells are not separated by commas"),
    ("address,postcode,lat,lon\n1 Café Row,EB1 4QT,53.7,-1.9\n".encode("latin-1"), "The file is not UTF-8 text"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U0#\xf4", "The file is not UTF-8 text"),  # a spreadsheet
    (b"address,postcode\n1 High St,EB1 4QT\n", "columns easting and northing (British National Grid), or lat and lon"),
    (b"address,postcode,lat,lon,colour\n", "unknown column(s): colour"),
    (b"postcode,lat,lon\n", "missing column(s): address"),
    (b"address,postcode,lat,lon\n", "The file has a header line but no addresses under it."),
    (b"", "The file is empty."),
])
def test_a_file_that_is_not_a_usable_csv_is_refused_with_a_clear_error(app, runner, tmp_path, content, message):
    result = run(runner, write(tmp_path, content))
    assert result.exit_code == 1 and message in result.output, result.output
    assert not GazetteerAddress.select().exists()


def _grid_file_installed():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyproj warns when its best transformation lacks its grid file
        return TransformerGroup("EPSG:27700", "EPSG:4326").best_available


def test_british_national_grid_points_convert_to_within_the_transformations_accuracy():
    """Against Ordnance Survey's own test points: within 0.1 m where the OSTN15 grid file is installed; otherwise
    pyproj's bundled seven-parameter transformation (about 2 m, worst in the far south-west: 4.7 m on Scilly) is
    within 5 m everywhere and under 2 m at the median."""
    tolerance = 0.1 if _grid_file_installed() else 5.0
    geod = Geod(ellps="WGS84")
    errors = {}
    for name, easting, northing, lat, lon in OS_TEST_POINTS:
        got_lat, got_lon = bng_to_wgs84(easting, northing)
        errors[name] = geod.inv(lon, lat, got_lon, got_lat)[2]
    assert max(errors.values()) < tolerance, errors
    assert statistics.median(errors.values()) < min(tolerance, 2.0), errors


def test_an_imported_grid_reference_lands_within_metres_of_the_known_point(app, runner, tmp_path):
    run(runner, write(tmp_path, GOOD))
    grill = GazetteerAddress.get(GazetteerAddress.uprn == "100012345678")
    _, _, _, lat, lon = OS_TEST_POINTS[4]  # GOOD's first row is at the Leeds test point
    metres = Geod(ellps="WGS84").inv(lon, lat, grill.lon, grill.lat)[2]
    assert metres < (0.1 if _grid_file_installed() else 2.0)
