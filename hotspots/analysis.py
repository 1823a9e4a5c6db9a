"""The space-time hotspot analysis: events binned into square cells per period, Getis-Ord Gi*, Mann-Kendall, and
emerging hot spot categories.

Pure numpy/scipy on arrays: no Flask, no database, and no Python loop over cells. Callers hand in coordinates and
times as arrays and get arrays back; `hotspots` code around this module loads the events and caches the results.

The steps, in the order a caller takes them:

    x, y = to_grid(lats, lons)                                   # metres on British National Grid
    period_index, starts = period_starts(times, "month", since=..., until=...)
    cube = bin_events(x, y, period_index, len(starts), cell_m=250)
    result = emerging_hotspots(cube, radius=1, alpha=0.05)       # result.category[row, col] is e.g. "new"
    rings = cube.cell_polygons_latlon(rows, cols)                # to draw the cells

Row 0 of every grid is the southernmost row and column 0 the westernmost, so row numbers grow northwards like
northings.
"""
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import numpy as np
from pyproj import Transformer
from scipy import special

LATLON = "EPSG:4326"  # WGS 84, what geocoders and Leaflet speak
BRITISH_NATIONAL_GRID = "EPSG:27700"

PERIODS = ("week", "month", "quarter")
MAX_GRID_CELLS = 4_000_000  # per period: 500 km x 500 km at 250 m

# Every category a cell can have, in the order a legend lists them, with its label in users' words. The full
# definitions are in emerging_hotspots()'s docstring.
CATEGORIES = {
    "new": "New hot spot",
    "consecutive": "Consecutive hot spot",
    "intensifying": "Intensifying hot spot",
    "persistent": "Persistent hot spot",
    "diminishing": "Diminishing hot spot",
    "sporadic": "Sporadic hot spot",
    "oscillating": "Oscillating hot spot",
    "historical": "Historical hot spot",
    "new_cold": "New cold spot",
    "consecutive_cold": "Consecutive cold spot",
    "intensifying_cold": "Intensifying cold spot",
    "persistent_cold": "Persistent cold spot",
    "diminishing_cold": "Diminishing cold spot",
    "sporadic_cold": "Sporadic cold spot",
    "oscillating_cold": "Oscillating cold spot",
    "historical_cold": "Historical cold spot",
    "none": "No pattern",
}
HOT_CATEGORIES = tuple(name for name in CATEGORIES if name != "none" and not name.endswith("_cold"))
COLD_CATEGORIES = tuple(f"{name}_cold" for name in HOT_CATEGORIES)


# --- coordinates ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _transformer(source, target):
    # Building a Transformer looks the operation up in PROJ's database (milliseconds); transforming is the cheap
    # part, so each pair is built once per process. pyproj's Transformer is safe to share between threads.
    # Without Ordnance Survey's OSTN15 grid installed in PROJ's data directory, WGS 84 to British National Grid
    # goes through a 7-parameter Helmert transformation (EPSG:1314, about 2 m), plenty for 250 m cells; PROJ uses
    # the grid by itself where it is installed.
    return Transformer.from_crs(source, target, always_xy=True)


def to_grid(lats, lons, crs=BRITISH_NATIONAL_GRID, source=LATLON):
    """Project latitudes and longitudes (degrees, WGS 84 unless `source` says otherwise) to (x, y) in metres of
    the projected `crs`: eastings and northings on British National Grid by default."""
    x, y = _transformer(source, crs).transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def from_grid(x, y, crs=BRITISH_NATIONAL_GRID):
    """The inverse of to_grid(): (lats, lons) in WGS 84 degrees of points given in metres of `crs`."""
    lons, lats = _transformer(crs, LATLON).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lats, dtype=float), np.asarray(lons, dtype=float)


# --- periods -------------------------------------------------------------------------------------------------

def _days(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        # numpy would silently shift it to UTC, moving events across a period boundary.
        raise ValueError("times must be naive local times (convert UTC to Europe/London first)")
    return np.asarray(value, dtype="datetime64[D]")


def _ordinals(days, period):
    """Each day's period as a running number: weeks (Monday to Sunday), months or quarters since 1970."""
    if period == "week":
        return (days.astype(np.int64) + 3) // 7  # 1970-01-01 was a Thursday; week 0 starts Monday 1969-12-29
    months = days.astype("datetime64[M]").astype(np.int64)
    return months // 3 if period == "quarter" else months


def _start(ordinal, period):
    if period == "week":
        return (np.datetime64(0, "D") + np.timedelta64(int(ordinal) * 7 - 3, "D")).astype(date)
    months = int(ordinal) * 3 if period == "quarter" else int(ordinal)
    return np.datetime64(months, "M").astype("datetime64[D]").astype(date)


def period_starts(times, period="month", since=None, until=None):
    """Which period each event falls in, and the first day of every period.

    `times` are dates or naive datetimes (local time: the calendar the periods follow), as a sequence or a
    numpy datetime64 array. Periods are ISO weeks from Monday, calendar months or calendar quarters. They run
    from the one holding `since` (or the earliest event) to the one holding `until` (or the latest event), both
    dates included, so a period with no events still has its place and the series stay aligned.

    Returns (index, starts): an int array with each event's period number (0 for the first period), -1 for an
    event before `since` or after `until`; and the list of the periods' first days as datetime.date.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    if not isinstance(times, np.ndarray):
        times = list(times)
        if times:
            _days(times[0])  # refuses a timezone-aware first time, the likely mistake
    days = _days(times).reshape(-1)
    ordinals = _ordinals(days, period)
    first_day = _days(since) if since is not None else None
    last_day = _days(until) if until is not None else None
    if first_day is not None and last_day is not None and last_day < first_day:
        raise ValueError("until is before since")
    if not days.size and (first_day is None or last_day is None):
        return np.zeros(0, dtype=np.int64), []
    first = _ordinals(first_day, period) if first_day is not None else ordinals.min()
    last = _ordinals(last_day, period) if last_day is not None else max(ordinals.max(), first)
    index = ordinals - first
    outside = np.zeros(days.shape, dtype=bool)
    if first_day is not None:
        outside |= days < first_day
    if last_day is not None:
        outside |= days > last_day
    index[outside] = -1
    return index, [_start(ordinal, period) for ordinal in range(int(first), int(last) + 1)]


# --- the cube ------------------------------------------------------------------------------------------------

@dataclass
class Cube:
    """Events counted per period and square cell: counts[period, row, col].

    The grid's lower-left (south-west) corner is (x0, y0) in `crs` metres; cell (row, col) covers
    x0 + col * cell_m <= x < x0 + (col + 1) * cell_m and the same for y with rows, so a point on a shared edge
    belongs to the cell east or north of it. `dropped` counts events left out: outside the periods or the bounds,
    or without finite coordinates.
    """
    counts: np.ndarray
    x0: float
    y0: float
    cell_m: float
    crs: str = BRITISH_NATIONAL_GRID
    dropped: int = 0

    @property
    def n_periods(self):
        return self.counts.shape[0]

    @property
    def rows(self):
        return self.counts.shape[1]

    @property
    def cols(self):
        return self.counts.shape[2]

    def cell_bounds(self, rows, cols):
        """(xmin, ymin, xmax, ymax) arrays in `crs` metres for the cells at `rows`, `cols` (arrays or ints)."""
        xmin = self.x0 + np.asarray(cols, dtype=float) * self.cell_m
        ymin = self.y0 + np.asarray(rows, dtype=float) * self.cell_m
        return xmin, ymin, xmin + self.cell_m, ymin + self.cell_m

    def cell_polygons_latlon(self, rows, cols):
        """The outline of each cell at `rows`, `cols` in WGS 84, as an array of shape (cells, 5, 2): a closed
        ring of [lat, lon] corners, south-west, south-east, north-east, north-west, south-west (anticlockwise).

        folium takes these as they are; GeoJSON wants [lon, lat], which is `rings[..., ::-1]`."""
        xmin, ymin, xmax, ymax = (np.atleast_1d(edge) for edge in self.cell_bounds(rows, cols))
        xs = np.stack([xmin, xmax, xmax, xmin, xmin], axis=-1)
        ys = np.stack([ymin, ymin, ymax, ymax, ymin], axis=-1)
        lats, lons = from_grid(xs.ravel(), ys.ravel(), self.crs)
        return np.stack([lats, lons], axis=-1).reshape(xs.shape + (2,))


def _grid_edges(low, high, cell_m, include_high):
    """The grid's first edge, the multiple of `cell_m` at or below `low`, and how many cells it takes to reach
    `high`: to include it when include_high (the events' own extent, so the last event has a cell), else up to
    the first multiple at or above it (bounds)."""
    origin = np.floor(low / cell_m) * cell_m
    if include_high:
        cells = int(np.floor((high - origin) / cell_m)) + 1
    else:
        cells = max(int(np.ceil((high - origin) / cell_m)), 1)
    return float(origin), cells


def bin_events(x, y, period_index, n_periods, cell_m=250, bounds=None, weights=None, crs=BRITISH_NATIONAL_GRID):
    """Count events into a Cube of shape (n_periods, rows, cols).

    `x`, `y` are projected metres (to_grid()), `period_index` each event's period (period_starts(); -1 leaves an
    event out). `bounds` is (xmin, ymin, xmax, ymax) in the same metres, widened outwards to whole cells on the
    multiples of `cell_m` so that grids of different requests line up; events on or beyond the widened east or
    north edge are outside. None takes the events' own extent, widened the same way. `weights` gives each event
    a weight instead of 1 (the counts are then floats). A grid of more than MAX_GRID_CELLS cells is refused.
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    y = np.asarray(y, dtype=float).reshape(-1)
    period_index = np.asarray(period_index, dtype=np.int64).reshape(-1)
    if not x.shape == y.shape == period_index.shape:
        raise ValueError("x, y and period_index must have one entry per event")
    if weights is not None:
        weights = np.asarray(weights, dtype=float).reshape(-1)
        if weights.shape != x.shape:
            raise ValueError("weights must have one entry per event")
    if cell_m <= 0:
        raise ValueError("cell_m must be positive")
    keep = (period_index >= 0) & (period_index < n_periods) & np.isfinite(x) & np.isfinite(y)

    if bounds is None:
        if not keep.any():
            counts = np.zeros((n_periods, 0, 0), dtype=float if weights is not None else np.int64)
            return Cube(counts, 0.0, 0.0, float(cell_m), crs, dropped=int(x.size))
        kept_x, kept_y = x[keep], y[keep]
        x0, cols = _grid_edges(kept_x.min(), kept_x.max(), cell_m, include_high=True)
        y0, rows = _grid_edges(kept_y.min(), kept_y.max(), cell_m, include_high=True)
    else:
        xmin, ymin, xmax, ymax = bounds
        if xmax < xmin or ymax < ymin:
            raise ValueError("bounds must be (xmin, ymin, xmax, ymax)")
        x0, cols = _grid_edges(xmin, xmax, cell_m, include_high=False)
        y0, rows = _grid_edges(ymin, ymax, cell_m, include_high=False)
    if rows * cols > MAX_GRID_CELLS:
        # One far-off point (a mistyped location) would otherwise ask for a grid the size of the country.
        raise ValueError(f"{rows:,} x {cols:,} cells is more than {MAX_GRID_CELLS:,}: give bounds or larger cells")

    with np.errstate(invalid="ignore"):  # NaN coordinates are already out of `keep`
        col = np.floor((x - x0) / cell_m)
        row = np.floor((y - y0) / cell_m)
    keep &= (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
    cells = n_periods * rows * cols
    # Events left out go to one extra bin past the end, which is then cut off: cheaper than selecting the rest.
    flat = np.where(keep, (period_index * rows + row) * cols + col, cells).astype(np.int64)
    counts = np.bincount(flat, weights=weights, minlength=cells + 1)[:cells].reshape(n_periods, rows, cols)
    return Cube(counts, x0, y0, float(cell_m), crs, dropped=int(x.size - keep.sum()))


# --- Getis-Ord Gi* -------------------------------------------------------------------------------------------

def _window_sums(values, radius):
    """Each cell's sum over the cells within Chebyshev distance `radius` of it (itself included) in the last two
    axes, cells beyond the grid's edge counting as absent. A running total along each axis in turn (an integral
    image), so the cost does not grow with the radius and integer counts sum exactly."""
    for axis in (-2, -1):
        size = values.shape[axis]
        shape = list(values.shape)
        shape[axis] = 1
        running = np.concatenate([np.zeros(shape, dtype=values.dtype), np.cumsum(values, axis=axis)], axis=axis)
        position = np.arange(size)
        upper = np.minimum(position + radius, size - 1) + 1
        lower = np.maximum(position - radius, 0)
        values = np.take(running, upper, axis=axis) - np.take(running, lower, axis=axis)
    return values


def _neighbour_counts(rows, cols, radius):
    """w_i for every cell: how many cells (itself included) lie within Chebyshev distance `radius` inside the
    grid. The window is a rectangle, so this is its height times its width."""
    def span(size):
        position = np.arange(size)
        return np.minimum(position + radius, size - 1) - np.maximum(position - radius, 0) + 1
    return np.outer(span(rows), span(cols))


def gi_star(counts, radius=1):
    """Getis-Ord Gi* z-scores (Getis & Ord 1995) of every cell of a grid of counts, same shape as `counts`.

    With binary weights w_ij = 1 for the cells j within Chebyshev distance `radius` of cell i (i itself included)
    and W_i = sum_j w_ij:

        Gi* = (sum_j w_ij x_j - mean * W_i) / (S * sqrt((n * W_i - W_i**2) / (n - 1)))

    where n, the mean and S = sqrt(sum_j x_j**2 / n - mean**2) are over all n cells of the grid. At the edge, cells
    beyond the grid do not exist: W_i shrinks there and they add nothing. A grid whose cells are all equal (no
    variance), a one-cell grid, and a cell whose neighbourhood is the whole grid have z = 0: no cell stands out.

    `counts` is 2-D (rows, cols); more leading axes (periods, rows, cols) give each 2-D slice its own Gi*.
    """
    values = np.asarray(counts)
    if values.ndim < 2:
        raise ValueError("counts must have at least two axes (rows, cols)")
    if int(radius) != radius or radius < 0:
        raise ValueError("radius must be a whole number of cells, 0 or more")
    if not values.size:
        return np.zeros(values.shape)
    values = values.astype(np.int64 if np.issubdtype(values.dtype, np.integer) else float)
    rows, cols = values.shape[-2:]
    n = rows * cols
    local = _window_sums(values, int(radius)).astype(float)
    w = _neighbour_counts(rows, cols, int(radius))
    mean = values.mean(axis=(-2, -1), keepdims=True)
    spread = values.std(axis=(-2, -1), keepdims=True)
    constant = values.max(axis=(-2, -1), keepdims=True) == values.min(axis=(-2, -1), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):  # n == 1: the denominator is 0/0, decided below
        denominator = spread * np.sqrt((n * w - w ** 2) / (n - 1))
    usable = ~constant & (denominator > 0)
    return np.divide(local - mean * w, denominator, out=np.zeros(local.shape), where=usable)


def two_sided_p(z):
    """The two-sided p-value of standard normal z-scores."""
    # special.ndtr is the normal CDF that stats.norm.sf calls, without its argument checks (half the time).
    return 2 * special.ndtr(-np.abs(z))


# --- Mann-Kendall ----------------------------------------------------------------------------------------------

def _tie_term(ordered):
    """sum over the groups of t equal values of t(t - 1)(2t + 5), for each sorted column. A value's group size is
    its run's last index - first index + 1, so summing (t - 1)(2t + 5) over the values gives the sum over groups."""
    n = ordered.shape[0]
    position = np.arange(n)[:, None]
    starts = np.ones(ordered.shape, dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    ends = np.ones(ordered.shape, dtype=bool)
    ends[:-1] = starts[1:]
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=0)
    last = np.minimum.accumulate(np.where(ends, position, n - 1)[::-1], axis=0)[::-1]
    t = last - first + 1
    return ((t - 1) * (2 * t + 5)).sum(axis=0)


def mann_kendall(series, axis=0):
    """The Mann-Kendall trend test of every series along `axis` at once: (S, z, p).

    S = sum over i < j of sign(x_j - x_i). Its variance under no trend, corrected for ties, is
    (n(n-1)(2n+5) - sum_t t(t-1)(2t+5)) / 18 over the groups of t equal values; z uses the continuity
    correction, (S - 1) / sd for S > 0, (S + 1) / sd for S < 0, 0 for S = 0; p is two-sided. A series of fewer
    than two values, or all equal, has S = 0, z = 0 and p = 1. S, z and p have the shape of `series` without
    `axis`.
    """
    values = np.moveaxis(np.asarray(series, dtype=float), axis, 0)
    if np.isnan(values).any():
        raise ValueError("series must not contain NaN")
    n = values.shape[0]
    s = np.zeros(values.shape[1:], dtype=np.int64)
    for lag in range(1, n):  # over the periods, each step vectorised over every series
        later, earlier = values[lag:], values[:-lag]
        s += (later > earlier).sum(axis=0) - (later < earlier).sum(axis=0)

    # Ties are rare in z-scores, so the group sizes are counted only in the series that have one.
    ordered = np.sort(values.reshape(n, -1), axis=0)
    tied = np.flatnonzero((ordered[1:] == ordered[:-1]).any(axis=0))
    ties = np.zeros(ordered.shape[1], dtype=np.int64)
    ties[tied] = _tie_term(ordered[:, tied])
    ties = ties.reshape(s.shape)
    variance = (n * (n - 1) * (2 * n + 5) - ties) / 18

    corrected = s - np.sign(s)
    z = np.divide(corrected, np.sqrt(variance), out=np.zeros(s.shape), where=variance > 0)
    return s, z, two_sided_p(z)


# --- emerging hot spots ----------------------------------------------------------------------------------------

@dataclass
class EmergingHotspots:
    """What emerging_hotspots() found.

    category: (rows, cols) array of category names (keys of CATEGORIES).
    z, p: (periods, rows, cols) Gi* z-score and its two-sided p-value in every period.
    p_adjusted: with fdr=True, the Benjamini-Hochberg adjusted p-values significance was decided on (NaN for cells
        that never had an event, which take no part); None otherwise.
    significant_hot, significant_cold: (periods, rows, cols) masks of the statistically significant hot and cold
        spots in each period (never a cell without any event in any period).
    trend_s, trend_z, trend_p: (rows, cols) Mann-Kendall S, z and two-sided p of each cell's Gi* z series.
    """
    category: np.ndarray
    z: np.ndarray
    p: np.ndarray
    p_adjusted: np.ndarray | None
    significant_hot: np.ndarray
    significant_cold: np.ndarray
    trend_s: np.ndarray
    trend_z: np.ndarray
    trend_p: np.ndarray
    radius: int
    alpha: float
    fdr: bool


def _false_discovery_adjusted(p, analysed):
    """Benjamini-Hochberg adjusted p-values of each period's analysed cells, NaN elsewhere."""
    from scipy.stats import false_discovery_control  # scipy.stats takes a second to import: only when asked

    adjusted = np.full(p.shape, np.nan)
    if analysed.any():
        adjusted[:, analysed] = false_discovery_control(p[:, analysed], axis=1, method="bh")
    return adjusted


def _pattern_conditions(spots, opposite, trend_up, trend_down, n):
    """The eight categories' conditions for one kind of spot (hot, or cold with the trend's sign flipped), each a
    (rows, cols) mask, keyed by the hot category's name, as emerging_hotspots() defines them."""
    count = spots.sum(axis=0)
    final = spots[-1]
    mostly = 10 * count >= 9 * n  # at least 90% of the periods, in whole numbers
    significant = (spots | opposite).sum(axis=0)
    # Length of the run of spot periods that ends with the final period.
    final_run = np.cumprod(spots[::-1], axis=0).sum(axis=0)
    opposite_before = opposite[:-1].any(axis=0)
    return {
        "new": final & (significant == 1),
        "consecutive": (final_run >= 2) & (significant == final_run) & ~mostly,
        "intensifying": mostly & final & trend_up,
        "persistent": mostly & final & ~trend_up & ~trend_down,
        "diminishing": mostly & final & trend_down,
        "sporadic": final & ~mostly & ~opposite_before,
        "oscillating": final & ~mostly & opposite_before,
        "historical": mostly & ~final,
    }


def emerging_hotspots(cube, radius=1, alpha=0.05, fdr=False):
    """Emerging hot spot analysis of a Cube (or a (periods, rows, cols) array of counts).

    Gi* (gi_star()) is computed for every period. A cell is a statistically significant hot spot in a period when
    its z > 0 and its p < `alpha` (with `fdr`, the Benjamini-Hochberg adjusted p, over that period's cells that
    ever had an event); a cold spot likewise with z < 0. Then the Mann-Kendall test (mann_kendall()) of each
    cell's series of z-scores gives its trend, significant when its p < `alpha`: rising when S > 0, falling when
    S < 0. Each cell gets one category. With n periods, "90%" means at least 90% of the n periods, and "the final
    period" is the last period of the cube. Following Esri's "How Emerging Hot Spot Analysis works" (ArcGIS Pro):

    - new: a significant hot spot in the final period that has never been a significant hot spot before (nor a
      significant cold spot: an earlier cold spot makes it oscillating).
    - consecutive: a single uninterrupted run of at least two significant hot spot periods ending with the final
      period, never a significant hot (or cold) spot before the run, and less than 90% of the periods hot spots.
    - intensifying: a significant hot spot in at least 90% of the periods, the final one included, with a
      significant rising trend in its z-scores: the clustering of high counts is getting stronger.
    - persistent: a significant hot spot in at least 90% of the periods, the final one included, with no
      significant trend.
    - diminishing: a significant hot spot in at least 90% of the periods, the final one included, with a
      significant falling trend: the clustering is getting weaker.
    - sporadic: a significant hot spot in the final period that has been an on-and-off hot spot before, in less
      than 90% of the periods, and never a significant cold spot.
    - oscillating: a significant hot spot in the final period that was a significant cold spot in an earlier
      period, and a hot spot in less than 90% of the periods.
    - historical: not a significant hot spot in the final period, but one in at least 90% of the periods.
    - the `_cold` categories mirror these with cold spots for hot spots, and a falling trend (z more and more
      negative) for intensifying_cold, a rising one for diminishing_cold.
    - none: none of the above, or a cell with no event in any period.

    Esri leaves the overlaps implicit; here the rules are applied in this order, the first that holds winning:
    new, consecutive, intensifying, persistent, diminishing, sporadic, oscillating (each needs a hot final
    period), the same seven for cold spots (each needs a cold final period), then historical and historical_cold.
    So a cell's state in the final period comes first: a long-time hot spot that is a cold spot now is
    oscillating_cold, not historical; and a 90%-hot cell that is not hot in the final period is historical, not
    persistent (Esri's historical describes exactly that cell; sfdep calls it persistent when its trend is not
    significant). Like ArcGIS Pro, sporadic needs a hot final period; sfdep (and the older ArcMap wording) also
    call a cell sporadic that was hot on and off but is not now, which is none here.
    """
    counts = np.asarray(cube.counts if isinstance(cube, Cube) else cube)
    if counts.ndim != 3:
        raise ValueError("the cube must have the shape (periods, rows, cols)")
    n, rows, cols = counts.shape
    if n == 0:
        raise ValueError("the cube has no periods")
    z = gi_star(counts, radius)
    p = two_sided_p(z)
    analysed = counts.sum(axis=0) != 0  # cells that had an event in some period
    p_adjusted = _false_discovery_adjusted(p, analysed) if fdr else None
    with np.errstate(invalid="ignore"):  # NaN adjusted p of cells not analysed compare False
        significant = analysed & ((p_adjusted if fdr else p) < alpha)
    hot = significant & (z > 0)
    cold = significant & (z < 0)
    trend_s, trend_z, trend_p = mann_kendall(z, axis=0)
    rising = (trend_p < alpha) & (trend_s > 0)
    falling = (trend_p < alpha) & (trend_s < 0)

    hot_rules = _pattern_conditions(hot, cold, rising, falling, n)
    cold_rules = _pattern_conditions(cold, hot, falling, rising, n)
    order = [(name, hot_rules[name]) for name in HOT_CATEGORIES if name != "historical"]
    order += [(f"{name}_cold", cold_rules[name]) for name in HOT_CATEGORIES if name != "historical"]
    order += [("historical", hot_rules["historical"]), ("historical_cold", cold_rules["historical"])]
    names = np.array([name for name, _ in order] + ["none"])
    # np.select takes the first condition that holds; the index then names the category.
    chosen = np.select([condition for _, condition in order], np.arange(len(order)), default=len(order))
    return EmergingHotspots(
        category=names[chosen], z=z, p=p, p_adjusted=p_adjusted, significant_hot=hot, significant_cold=cold,
        trend_s=trend_s, trend_z=trend_z, trend_p=trend_p, radius=int(radius), alpha=alpha, fdr=fdr)
