"""Demo hotspots: two years of fictional locations of concern around the demo town, shaped so the demo map shows
a new, an intensifying, a persistent, a diminishing and a historical hot spot over a scattered background.

Places and times only, as every location of concern: no names, no descriptions of anyone.
"""
from datetime import date, datetime, timedelta

import numpy as np

from core.demo import demo_seeder
from core.models import Organisation, User
from core.timeutil import add_months, london_today, utcnow
from hotspots import analysis
from hotspots.concerns import CONCERN_TYPES, LocationOfConcern

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
