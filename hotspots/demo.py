"""Demo hotspots: a small gazetteer of the fictional town of Eastbrook, and two years of fictional locations of
concern around it, shaped so the demo map shows a new, an intensifying, a persistent, a diminishing and a
historical hot spot over a scattered background. The demo's premises and intelligence are then located through
the gazetteer, as any record would be.

Places and times only, as every location of concern: no names, no descriptions of anyone.
"""
from datetime import date, datetime, timedelta

import numpy as np

from core.demo import demo_seeder
from core.models import Organisation, User
from core.timeutil import add_months, london_today, utcnow
from hotspots import analysis, gazetteer, locations
from hotspots.concerns import CONCERN_TYPES, LocationOfConcern
from hotspots.models import GazetteerAddress, LocationTask

# Eastbrook, the demo town (fictional), where the other demo records are placed too.
CENTRE = (53.735, -1.885)
MONTHS = 24
BACKGROUND_PER_MONTH = 40
SPREAD_M = 2000
# Each pattern: metres east and north of the centre, and how many events fall there in month m of the 24.
PATTERNS = {
    "new": (-900, 700, lambda m: 12 if m == MONTHS - 1 else 0),
    "intensifying": (800, 600, lambda m: 6 + m // 2),
    "persistent": (100, 100, lambda m: 11),
    "diminishing": (-700, -800, lambda m: 20 - m // 2),
    "historical": (900, -700, lambda m: 10 if m < MONTHS - 2 else 0),
}
SOURCE = "demo"

# Eastbrook's streets: name, the postcodes of numbers 1-12 and 13-24, metres east and north of the centre where
# the street starts, and its direction (east, north) per house number. The other demos' premises are at 14
# Eastgate Parade (EB1 4QT) and 2 Station Yard (EB2 7LX).
STREETS = [
    ("Eastgate Parade", ("EB1 4QS", "EB1 4QT"), (760, 560), (8, 2)),
    ("Station Yard", ("EB2 7LX", "EB2 7LY"), (60, 60), (6, -4)),
    ("Mill Lane", ("EB1 2AB", "EB1 2AD"), (-950, 650), (5, 5)),
    ("Market Street", ("EB1 1HA", "EB1 1HB"), (-300, 0), (10, 0)),
    ("Church Road", ("EB2 3RE", "EB2 3RF"), (0, -500), (0, 9)),
    ("Quay Street", ("EB3 5NP", "EB3 5NQ"), (-700, -820), (7, 1)),
    ("Victoria Road", ("EB3 8GU", "EB3 8GW"), (880, -720), (-3, 6)),
    ("Brook Close", ("EB2 9TJ", "EB2 9TL"), (300, 900), (4, -2)),
]
HOUSES = 24  # numbers 1 to 24 on each street


def gazetteer_csv():
    """The demo gazetteer as the CSV file an authority would import: uprn, address, postcode, lat, lon."""
    centre_x, centre_y = (value[0] for value in analysis.to_grid([CENTRE[0]], [CENTRE[1]]))
    lines = ["uprn,address,postcode,lat,lon"]
    uprn = 990_000_000_000
    for street, postcodes, (east, north), (step_east, step_north) in STREETS:
        for number in range(1, HOUSES + 1):
            x = centre_x + east + step_east * number
            y = centre_y + north + step_north * number
            lat, lon = (value[0] for value in analysis.from_grid([x], [y]))
            uprn += 1
            lines.append(f'{uprn},"{number} {street}, Eastbrook",{postcodes[number > 12]},{lat:.6f},{lon:.6f}')
    return "\n".join(lines) + "\n"


def demo_events(today, seed=7):
    """(lat, lon, occurred_at) arrays of the demo's events over the 24 months up to today's month."""
    rng = np.random.default_rng(seed)
    centre_x, centre_y = (value[0] for value in analysis.to_grid([CENTRE[0]], [CENTRE[1]]))
    first = add_months(date(today.year, today.month, 1), -(MONTHS - 1))
    xs, ys, times = [], [], []
    now = datetime.combine(today, datetime.min.time()) + timedelta(hours=12)
    for month in range(MONTHS):
        start = datetime.combine(add_months(first, month), datetime.min.time())
        end = min(datetime.combine(add_months(first, month + 1), datetime.min.time()), now)
        seconds = max((end - start).total_seconds(), 3600)
        groups = [(rng.uniform(-SPREAD_M, SPREAD_M, BACKGROUND_PER_MONTH),
                   rng.uniform(-SPREAD_M, SPREAD_M, BACKGROUND_PER_MONTH))]
        for east, north, per_month in PATTERNS.values():
            n = per_month(month)
            groups.append((east + rng.normal(0, 60, n), north + rng.normal(0, 60, n)))
        for dx, dy in groups:
            xs.append(centre_x + dx)
            ys.append(centre_y + dy)
            times += [start + timedelta(seconds=float(s)) for s in rng.uniform(0, seconds, len(dx))]
    lats, lons = analysis.from_grid(np.concatenate(xs), np.concatenate(ys))
    return lats, lons, times


@demo_seeder
def seed_hotspots():
    """The gazetteer, the locations of concern, and the demo records located (this runs after the other demos)."""
    if not GazetteerAddress.select().exists():
        gazetteer.import_file("eastbrook-demo-gazetteer.csv", gazetteer_csv())
    _seed_concerns()
    for task in LocationTask.select().where(LocationTask.status == "waiting"):
        locations.locate_record(task.record_type, task.record_id)


def _seed_concerns():
    if LocationOfConcern.select().where(LocationOfConcern.location_source == SOURCE).exists():
        return
    partner = Organisation.get_or_none(Organisation.name == "Eastbrook Schools Safeguarding Partnership")
    team = Organisation.get_or_none(Organisation.name == "Northshire Multi-Agency CSE Team")
    if partner is None or team is None:
        return
    loggers = [(partner, User.by_email("partner@example.org")), (team, User.by_email("specialist@example.org"))]
    types = list(CONCERN_TYPES)
    lats, lons, times = demo_events(london_today())
    created = utcnow()
    rows = []
    for n, (lat, lon, at) in enumerate(zip(lats.tolist(), lons.tolist(), times)):
        organisation, user = loggers[n % 2]
        rows.append({"type": types[n % len(types)], "occurred_at": min(at, created), "lat": round(lat, 6),
                     "lon": round(lon, 6), "location_precision": "manual", "location_source": SOURCE,
                     "organisation": organisation.id, "created_by": user.id if user else None,
                     "created_at": created})
    for start in range(0, len(rows), 500):
        LocationOfConcern.insert_many(rows[start:start + 500]).execute()
