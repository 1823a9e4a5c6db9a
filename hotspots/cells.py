"""Hotspot cells as the maps and the API use them: events loaded, binned on a fixed lattice, classified and cached.

The analysis itself is hotspots.analysis (pure numpy). This module chooses what goes in: which kinds of event,
which window of periods, which cell size; it keys every cell by its place on a lattice of the projected grid
(so the cells of two windows can be compared), and it caches the result in Redis under the data version
(hotspots.events), so a map request never recomputes data that has not changed: when the data change, the
last result is shown (marked as such) while a worker computes the new one.
"""
import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta

import numpy as np
from redis.exceptions import RedisError

from core.queue import enqueue, redis
from core.timeutil import add_months, london_day_start, utcnow
from hotspots import analysis, events

log = logging.getLogger(__name__)

PERIODS = {"month": "Month", "quarter": "Quarter", "week": "Week"}
CELL_SIZES = (100, 250, 500, 1000)
CACHE_SECONDS = 24 * 3600
# A map draws at most this many cells (the most significant first), so its size never grows with the data.
MAX_CELLS = 4000


@dataclass(frozen=True)
class Params:
    """What an analysis is of. until is exclusive; since and until fall on period starts."""

    since: date
    until: date
    period: str = "month"
    cell_m: int = 250
    kinds: tuple = ()
    alpha: float = 0.05
    fdr: bool = False
    area: tuple = ()  # (south, west, north, east) degrees, or () for the events' own extent

    def as_json(self):
        return json.dumps({**asdict(self), "since": self.since.isoformat(), "until": self.until.isoformat()},
                          sort_keys=True)

    def key(self):
        return hashlib.sha1(self.as_json().encode()).hexdigest()[:20]

    def previous(self):
        """The same window one period earlier: the "changed since the previous period" view compares with it."""
        step = {"month": 1, "quarter": 3}.get(self.period)
        if step:
            return replace(self, since=add_months(self.since, -step), until=add_months(self.until, -step))
        return replace(self, since=self.since - timedelta(days=7), until=self.until - timedelta(days=7))


@dataclass
class Result:
    """The classified cells of one analysis, JSON-ready: each cell is a dict with ix, iy (its lattice index),
    polygon ([lon, lat] corners), count (events over the window), z and p (Gi* of the final period), category."""

    params: dict
    version: int
    periods: list
    cells: list = field(default_factory=list)
    events: int = 0
    vague: dict = field(default_factory=dict)
    truncated: int = 0  # cells left off the map beyond MAX_CELLS
    outside: int = 0  # events outside the analysed area
    problem: str = ""  # why there are no cells, when the data could not be analysed
    seconds: float = 0.0
    computed_at: str = ""
    stale: bool = False  # newer data exist and are being analysed

    def by_index(self):
        return {(cell["ix"], cell["iy"]): cell for cell in self.cells}


def default_params(today, period="month", cell_m=250, kinds=None, months=24, area=()):
    """The two years up to the end of the current month, every kind of event."""
    until = add_months(date(today.year, today.month, 1), 1)
    return Params(add_months(until, -months), until, period, cell_m, tuple(sorted(kinds or events.sources())),
                  area=tuple(area))


@dataclass(frozen=True)
class CellBox:
    """One lattice cell: its corners in latitude and longitude, and a test of whether a point lies inside."""

    ix: int
    iy: int
    cell_m: int
    bounds: tuple  # south, west, north, east

    def contains(self, lat, lon):
        x, y = analysis.to_grid(np.array([lat]), np.array([lon]))
        return int(np.floor(x[0] / self.cell_m)) == self.ix and int(np.floor(y[0] / self.cell_m)) == self.iy


def cell_box(ix, iy, cell_m):
    xs = np.array([ix, ix + 1, ix, ix + 1], dtype=float) * cell_m
    ys = np.array([iy, iy, iy + 1, iy + 1], dtype=float) * cell_m
    lats, lons = analysis.from_grid(xs, ys)
    return CellBox(ix, iy, cell_m, (float(lats.min()), float(lons.min()), float(lats.max()), float(lons.max())))


def window_utc(params):
    """The window as the naive UTC instants stored: from the start of since to the start of until, London time."""
    return london_day_start(params.since), london_day_start(params.until)


def hotspot_cells(params):
    """The analysis for params. From the cache when the data have not changed since it was computed; when they
    have, the last result is answered at once (marked stale) and a worker computes the new one; only the very
    first request for params computes inline. A cache that is down means computing every time, never failing."""
    version = events.data_version()
    cached = _cached(params)
    if cached is not None and cached.version == version:
        return cached
    if cached is not None and _refresh_later(params, version):
        cached.stale = True
        return cached
    result = compute(params, version)
    store(params, result)
    return result


def _key(params):
    return f"hotspots:cells:{params.key()}"


def _cached(params):
    try:
        text = redis().get(_key(params))
    except RedisError:
        log.warning("Hotspot cache unavailable; computing without it", exc_info=True)
        return None
    return Result(**json.loads(text)) if text else None


def store(params, result):
    try:
        redis().set(_key(params), json.dumps(asdict(result)), ex=CACHE_SECONDS)
    except RedisError:
        log.warning("Hotspot cache unavailable; result not kept", exc_info=True)


def _refresh_later(params, version):
    """Queue one recomputation of params at version (however many requests ask); False if it cannot be queued."""
    try:
        if redis().set(f"hotspots:refreshing:{params.key()}:{version}", 1, nx=True, ex=300):
            enqueue("hotspots.jobs.refresh_cells", params.as_json())
        return True
    except RedisError:
        return False


def params_from_json(text):
    values = json.loads(text)
    return Params(since=date.fromisoformat(values["since"]), until=date.fromisoformat(values["until"]),
                  period=values["period"], cell_m=values["cell_m"], kinds=tuple(values["kinds"]),
                  alpha=values["alpha"], fdr=values["fdr"], area=tuple(values.get("area", ())))


def compute(params, version=0):
    started = datetime.now()
    located = events.load(params.kinds, *window_utc(params))
    # Periods follow London's calendar; until is the first day after the window.
    period_index, starts = analysis.period_starts(events.london_times(located.occurred_at), params.period,
                                                  since=params.since, until=params.until - timedelta(days=1))
    result = Result(params=json.loads(params.as_json()), version=version, computed_at=utcnow().isoformat(),
                    periods=[start.isoformat() for start in starts], events=len(located), vague=located.vague)
    if not len(located) or not starts:
        return result
    x, y = analysis.to_grid(located.lat, located.lon)
    bounds = (x.min(), y.min(), x.max() + params.cell_m / 2, y.max() + params.cell_m / 2)
    if params.area:
        south, west, north, east = params.area
        corners_x, corners_y = analysis.to_grid([south, south, north, north], [west, east, west, east])
        bounds = (corners_x.min(), corners_y.min(), corners_x.max(), corners_y.max())
        inside = (x >= bounds[0]) & (x < bounds[2]) & (y >= bounds[1]) & (y < bounds[3])
        result.outside = int((~inside).sum())
    # Bounds on the multiples of the cell size, so the same place is the same cell (ix, iy) in every window.
    try:
        cube = analysis.bin_events(x, y, period_index, len(starts), cell_m=params.cell_m, bounds=bounds,
                                   weights=located.weight)
    except ValueError:  # a grid too large to hold: a far-off (perhaps mistaken) location
        result.problem = (f"The located events are spread over too large an area for cells of {params.cell_m} m. "
                          "Choose larger cells, or ask an administrator to set HOTSPOT_AREA to the area to analyse.")
        return result
    found = analysis.emerging_hotspots(cube, alpha=params.alpha, fdr=params.fdr)
    totals = cube.counts.sum(axis=0)
    rows, cols = np.nonzero(found.category != "none")
    # The most significant first (by the final period's |z|), in case the map must stop at MAX_CELLS.
    order = np.argsort(-np.abs(found.z[-1, rows, cols]), kind="stable")[:MAX_CELLS]
    result.truncated = int(len(rows) - len(order))
    rows, cols = rows[order], cols[order]
    rings = cube.cell_polygons_latlon(rows, cols) if len(rows) else []
    base_ix, base_iy = int(round(cube.x0 / cube.cell_m)), int(round(cube.y0 / cube.cell_m))
    for n, (row, col) in enumerate(zip(rows.tolist(), cols.tolist())):
        result.cells.append({
            "ix": base_ix + col, "iy": base_iy + row,
            "polygon": [[round(float(lon), 5), round(float(lat), 5)] for lat, lon in rings[n]],
            "count": int(round(float(totals[row, col]))), "z": round(float(found.z[-1, row, col]), 3),
            "p": round(float(found.p[-1, row, col]), 4), "category": str(found.category[row, col]),
        })
    result.seconds = round((datetime.now() - started).total_seconds(), 3)
    return result
