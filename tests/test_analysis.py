"""The hotspot analysis: projection, periods, binning, Gi*, Mann-Kendall and the emerging hot spot categories."""
import math
from collections import Counter
from datetime import date, datetime, timezone

import numpy as np
import pytest
from scipy.stats import norm

from hotspots.analysis import (CATEGORIES, COLD_CATEGORIES, HOT_CATEGORIES, Cube, bin_events, emerging_hotspots,
                               from_grid, gi_star, mann_kendall, period_starts, to_grid)


# --- Gi* -------------------------------------------------------------------------------------------------------

def gi_star_by_the_formula(grid, radius):
    """Getis & Ord (1995) Gi* written out cell by cell, as independent of the vectorised code as it can be."""
    rows, cols = len(grid), len(grid[0])
    values = [float(v) for row in grid for v in row]
    n = len(values)
    mean = sum(values) / n
    s = math.sqrt(sum(v * v for v in values) / n - mean * mean)
    z = [[0.0] * cols for _ in range(rows)]
    for i in range(rows):
        for j in range(cols):
            weight_sum = 0
            weighted = 0.0
            for k in range(rows):
                for m in range(cols):
                    if max(abs(k - i), abs(m - j)) <= radius:
                        weight_sum += 1  # binary weights, so sum w = sum w^2
                        weighted += grid[k][m]
            spread = n * weight_sum - weight_sum ** 2
            if s == 0 or spread == 0:
                continue
            z[i][j] = (weighted - mean * weight_sum) / (s * math.sqrt(spread / (n - 1)))
    return z


@pytest.mark.parametrize("shape, radius", [((7, 9), 1), ((7, 9), 2), ((12, 10), 2), ((6, 6), 3), ((1, 8), 1),
                                           ((8, 1), 2), ((5, 4), 0), ((4, 5), 6)])
def test_gi_star_matches_the_formula_on_random_grids(shape, radius):
    rng = np.random.default_rng(sum(shape) * 10 + radius)
    counts = rng.poisson(3, size=shape)
    counts[0, 0] = 15  # a corner cluster, so the edges carry real signal
    expected = gi_star_by_the_formula(counts.tolist(), radius)
    assert np.allclose(gi_star(counts, radius), expected, atol=1e-12)


def test_gi_star_matches_the_formula_on_weighted_counts():
    counts = np.random.default_rng(4).gamma(2.0, 1.5, size=(6, 7))
    assert np.allclose(gi_star(counts, 2), gi_star_by_the_formula(counts.tolist(), 2), atol=1e-12)


def test_gi_star_by_hand():
    # One row [0 0 0 0 5], radius 1: n = 5, mean 1, S = sqrt(25/5 - 1) = 2.
    # End cell 4: W = 2, sum 5 -> (5 - 2) / (2 sqrt((10 - 4) / 4)) = sqrt(1.5).
    # Cell 3: W = 3, sum 5 -> (5 - 3) / (2 sqrt((15 - 9) / 4)) = sqrt(2/3). Cells 1 and 2: W = 3, sum 0 ->
    # -3 / (2 sqrt 1.5) = -sqrt(1.5). End cell 0: W = 2, sum 0 -> -2 / (2 sqrt 1.5) = -sqrt(2/3).
    z = gi_star(np.array([[0, 0, 0, 0, 5]]))
    root, third = math.sqrt(1.5), math.sqrt(2 / 3)
    assert np.allclose(z, [[-third, -root, -root, third, root]])


def test_gi_star_with_no_variance_is_zero_not_nan():
    assert np.array_equal(gi_star(np.full((4, 5), 7)), np.zeros((4, 5)))
    assert np.array_equal(gi_star(np.zeros((3, 3))), np.zeros((3, 3)))
    assert np.array_equal(gi_star(np.array([[9]])), np.zeros((1, 1)))
    # A neighbourhood that is the whole grid compares the grid with itself.
    assert np.array_equal(gi_star(np.array([[0, 1], [2, 9]]), radius=1), np.zeros((2, 2)))


def test_gi_star_takes_each_period_of_a_cube_on_its_own():
    cube = np.random.default_rng(2).poisson(2, size=(4, 6, 5))
    cube[2] = 3  # one period without variance
    z = gi_star(cube, 1)
    assert z.shape == cube.shape
    for period in range(4):
        assert np.allclose(z[period], gi_star(cube[period], 1))
    assert not z[2].any()


def test_gi_star_refuses_bad_input():
    with pytest.raises(ValueError):
        gi_star(np.arange(5))
    with pytest.raises(ValueError):
        gi_star(np.ones((3, 3)), radius=1.5)


# --- Mann-Kendall ----------------------------------------------------------------------------------------------

def mann_kendall_by_loop(series):
    n = len(series)
    s = sum((series[j] > series[i]) - (series[j] < series[i]) for i in range(n) for j in range(i + 1, n))
    ties = sum(t * (t - 1) * (2 * t + 5) for t in Counter(series).values())
    variance = (n * (n - 1) * (2 * n + 5) - ties) / 18
    if s == 0 or variance == 0:
        return s, 0.0, 1.0
    z = (s - 1) / math.sqrt(variance) if s > 0 else (s + 1) / math.sqrt(variance)
    return s, z, 2 * (1 - norm.cdf(abs(z)))


@pytest.mark.parametrize("n", [1, 2, 3, 10, 24])
def test_mann_kendall_matches_a_loop_with_ties(n):
    rng = np.random.default_rng(n)
    series = rng.integers(0, 4, size=(n, 50)).astype(float)  # few distinct values: plenty of ties
    series[:, 0] = np.arange(n)  # a clean rising series
    series[:, 1] = 2.0  # all tied
    s, z, p = mann_kendall(series, axis=0)
    for column in range(50):
        expected = mann_kendall_by_loop(series[:, column].tolist())
        assert s[column] == expected[0]
        assert z[column] == pytest.approx(expected[1], abs=1e-12)
        assert p[column] == pytest.approx(expected[2], abs=1e-12)
    assert (s[1], z[1], p[1]) == (0, 0.0, 1.0)


def test_mann_kendall_along_another_axis():
    series = np.random.default_rng(7).normal(size=(3, 4, 12))
    s, z, p = mann_kendall(series, axis=2)
    s0, z0, p0 = mann_kendall(np.moveaxis(series, 2, 0), axis=0)
    assert s.shape == (3, 4)
    assert np.array_equal(s, s0) and np.allclose(z, z0) and np.allclose(p, p0)


def test_mann_kendall_known_values():
    # 1..100: S = n(n-1)/2 = 4950, Var(S) = 100*99*205/18 = 112750, z = 4949/sqrt(112750).
    s, z, _ = mann_kendall(np.arange(1, 101))
    assert s == 4950
    assert z == pytest.approx(4949 / math.sqrt(112750)) and z == pytest.approx(14.7387, abs=1e-4)
    # Gilbert (1987), Statistical Methods for Environmental Pollution Monitoring, ch. 16: z = 3.1, with ties.
    gilbert = [20, 20, 20, 20, 15, 20, 20, 30, 27, 26, 23, 35, 25, 28, 70, 26, 24, 34, 32, 23, 50, 30]
    assert mann_kendall(gilbert)[1] == pytest.approx(3.1, abs=0.05)
    # By hand with one tie pair: [1, 2, 2, 3] has S = 5, Var = (4*3*13 - 2*1*9)/18 = 138/18.
    s, z, p = mann_kendall([1, 2, 2, 3])
    assert s == 5 and z == pytest.approx(4 / math.sqrt(138 / 18))
    assert p == pytest.approx(2 * norm.sf(4 / math.sqrt(138 / 18)))


def test_mann_kendall_refuses_nan():
    with pytest.raises(ValueError):
        mann_kendall([1.0, float("nan"), 2.0])


# --- emerging hot spots ----------------------------------------------------------------------------------------

SIZE = 9
CENTRE = (4, 4)
HOT_BLOCK = 300  # counts in the 3x3 block around the centre in a hot period, on a 40/60 chequerboard
COLD_BLOCK = 0


def hand_made_cube(states, strengths=None):
    """A (periods, 9, 9) cube whose centre cell is a significant hot spot ('H'), cold spot ('C') or neither ('.')
    in each period: its 3x3 neighbourhood is raised or lowered on a chequerboard of 40s and 60s, which alone is
    never significant. `strengths` gives the block's counts period by period instead of the defaults."""
    rows, cols = np.indices((SIZE, SIZE))
    background = np.where((rows + cols) % 2, 60, 40)
    periods = []
    for index, state in enumerate(states):
        grid = background.copy()
        if state != ".":
            block = strengths[index] if strengths is not None else (HOT_BLOCK if state == "H" else COLD_BLOCK)
            grid[3:6, 3:6] = block
        periods.append(grid)
    return np.stack(periods)


def centre_category(states, strengths=None, **options):
    result = emerging_hotspots(hand_made_cube(states, strengths), **options)
    return result.category[CENTRE], result


RISING_HOT = [100 + 30 * k for k in range(10)]
FALLING_HOT = RISING_HOT[::-1]
ALTERNATING_HOT = [150, 300] * 5
FALLING_COLD = [30 - 3 * k for k in range(10)]  # ever fewer: ever colder
RISING_COLD = FALLING_COLD[::-1]
ALTERNATING_COLD = [0, 20] * 5


CASES = [
    (".........H", None, "new"),
    ("........HH", None, "consecutive"),
    ("HHHHHHHHHH", RISING_HOT, "intensifying"),
    ("HHHHHHHHHH", ALTERNATING_HOT, "persistent"),
    ("HHHHHHHHHH", FALLING_HOT, "diminishing"),
    ("..H..H...H", None, "sporadic"),
    ("..H..C...H", None, "oscillating"),
    ("C........H", None, "oscillating"),  # hot only now, but cold before: not new
    ("HHHHHHHHH.", None, "historical"),
    (".........C", None, "new_cold"),
    ("........CC", None, "consecutive_cold"),
    ("CCCCCCCCCC", FALLING_COLD, "intensifying_cold"),
    ("CCCCCCCCCC", ALTERNATING_COLD, "persistent_cold"),
    ("CCCCCCCCCC", RISING_COLD, "diminishing_cold"),
    ("..C..C...C", None, "sporadic_cold"),
    ("..C..H...C", None, "oscillating_cold"),
    ("CCCCCCCCC.", None, "historical_cold"),
    ("HHHHHHHHHC", None, "oscillating_cold"),  # the final period comes first: cold now, not historical
    ("..........", None, "none"),
    ("H.........", None, "none"),  # hot once, long ago: no pattern
    ("H.H.H.H.H.", None, "none"),  # on and off, but not hot in the final period
]


@pytest.mark.parametrize("states, strengths, expected", CASES)
def test_each_category_on_a_hand_made_cube(states, strengths, expected):
    category, result = centre_category(states, strengths)
    assert category == expected, (category, result.significant_hot[:, 4, 4], result.trend_p[CENTRE])
    assert [bool(v) for v in result.significant_hot[:, 4, 4]] == [s == "H" for s in states]
    assert [bool(v) for v in result.significant_cold[:, 4, 4]] == [s == "C" for s in states]


def test_the_hand_made_cubes_cover_every_category():
    assert {expected for _, _, expected in CASES} == set(CATEGORIES)
    assert len(HOT_CATEGORIES) == len(COLD_CATEGORIES) == 8


def test_ninety_percent_means_at_least_nine_periods_in_ten():
    assert centre_category("HHHH.HHHHH")[0] == "persistent"  # 9 of 10
    assert centre_category("HHHH.HHH.H")[0] == "sporadic"  # 8 of 10
    assert centre_category("HHHH.HHHH.")[0] == "none"  # 8 of 10, not hot now: not historical either


def test_a_cell_without_any_event_is_none_even_where_gi_star_is_significant():
    cube = hand_made_cube("CCCCCCCCCC")  # the 3x3 block around the centre holds 0 in every period
    result = emerging_hotspots(cube)
    assert (result.p[:, 4, 4] < 0.05).all() and (result.z[:, 4, 4] < 0).all()
    assert not result.significant_cold[:, 3:6, 3:6].any()
    assert (result.category[3:6, 3:6] == "none").all()
    cube[0, 4, 4] = 1  # one event, once
    assert emerging_hotspots(cube).category[CENTRE] == "persistent_cold"


def test_false_discovery_rate_makes_a_borderline_cell_not_significant():
    # A mild rise in the final period: p about 0.02 alone, far from significant among 81 cells.
    cube = hand_made_cube(".........H", strengths=[None] * 9 + [58])
    plain = emerging_hotspots(cube)
    assert 0.01 < plain.p[-1, 4, 4] < 0.05
    assert plain.category[CENTRE] == "new" and plain.p_adjusted is None
    corrected = emerging_hotspots(cube, fdr=True)
    assert corrected.p_adjusted[-1, 4, 4] > 0.05
    assert not corrected.significant_hot[-1, 4, 4]
    assert corrected.category[CENTRE] == "none"
    # The strong hot spot of the other cube survives the correction.
    assert centre_category(".........H", fdr=True)[0] == "new"


def test_emerging_hotspots_returns_every_array_in_its_shape():
    cube = Cube(hand_made_cube("..H..H...H"), x0=0.0, y0=0.0, cell_m=250.0)
    result = emerging_hotspots(cube, radius=2)
    assert result.category.shape == result.trend_z.shape == result.trend_p.shape == (SIZE, SIZE)
    assert result.z.shape == result.p.shape == result.significant_hot.shape == (10, SIZE, SIZE)
    assert set(np.unique(result.category)) <= set(CATEGORIES)
    assert np.allclose(result.z, gi_star(cube.counts, 2))


# --- projection ------------------------------------------------------------------------------------------------

def test_to_grid_reproduces_the_ordnance_survey_worked_example():
    # "A guide to coordinate systems in Great Britain" (Ordnance Survey), the Transverse Mercator example:
    # 52°39'27.2531"N 1°43'4.5177"E on the OSGB36 datum is E 651409.903, N 313177.270.
    lat = 52 + 39 / 60 + 27.2531 / 3600
    lon = 1 + 43 / 60 + 4.5177 / 3600
    x, y = to_grid(lat, lon, source="EPSG:4277")
    assert abs(x - 651409.903) < 0.01 and abs(y - 313177.270) < 0.01


def test_to_grid_from_gps_coordinates():
    # Ordnance Survey's OSTN15 test point TR 14300 59900 (Kent) is 51.297880 N, 1.072628 E on ETRS89 (which GPS
    # and WGS 84 match to within a metre in Britain). Without the OSTN15 grid PROJ uses the published 7-parameter
    # transformation, good to about 2 m.
    x, y = to_grid(np.array([51.297880]), np.array([1.072628]))
    assert abs(x[0] - 614300) < 3 and abs(y[0] - 159900) < 3
    lats, lons = from_grid(x, y)
    assert lats[0] == pytest.approx(51.297880, abs=1e-7) and lons[0] == pytest.approx(1.072628, abs=1e-7)  # 1 cm


# --- periods ---------------------------------------------------------------------------------------------------

def test_period_starts_by_month_with_empty_periods_either_side():
    times = [datetime(2025, 3, 31, 23, 59), date(2025, 4, 1), datetime(2025, 4, 30, 12), date(2025, 2, 27)]
    index, starts = period_starts(times, "month", since=date(2025, 1, 15), until=date(2025, 6, 10))
    assert starts == [date(2025, m, 1) for m in range(1, 7)]
    assert index.tolist() == [2, 3, 3, 1]


def test_period_starts_leaves_out_events_outside_since_and_until():
    times = np.array(["2025-01-14", "2025-01-15", "2025-06-10", "2025-06-11"], dtype="datetime64[s]")
    index, starts = period_starts(times, "month", since=date(2025, 1, 15), until=date(2025, 6, 10))
    assert index.tolist() == [-1, 0, 5, -1]  # both ends included
    assert len(starts) == 6
    # Only since, and nothing after it: one empty period, not none.
    index, starts = period_starts([date(2024, 12, 1)], since=date(2025, 1, 1))
    assert index.tolist() == [-1] and starts == [date(2025, 1, 1)]


def test_period_starts_without_since_and_until_spans_the_events():
    index, starts = period_starts([date(2025, 5, 20), date(2025, 1, 2)], "quarter")
    assert starts == [date(2025, 1, 1), date(2025, 4, 1)]
    assert index.tolist() == [1, 0]


def test_period_starts_by_week_starts_on_monday():
    # 2025-01-05 is a Sunday, 2025-01-06 a Monday.
    index, starts = period_starts([date(2025, 1, 5), date(2025, 1, 6), date(2025, 1, 19)], "week")
    assert starts == [date(2024, 12, 30), date(2025, 1, 6), date(2025, 1, 13)]
    assert index.tolist() == [0, 1, 2]
    assert all(start.weekday() == 0 for start in starts)


def test_period_starts_refuses_what_it_cannot_place():
    with pytest.raises(ValueError):
        period_starts([date(2025, 1, 1)], "fortnight")
    with pytest.raises(ValueError):
        period_starts([datetime(2025, 1, 1, tzinfo=timezone.utc)])
    with pytest.raises(ValueError):
        period_starts([date(2025, 1, 1)], since=date(2025, 2, 1), until=date(2025, 1, 1))
    assert period_starts([])[1] == []
    index, starts = period_starts([], since=date(2025, 1, 1), until=date(2025, 3, 1))
    assert index.size == 0 and len(starts) == 3


# --- binning ---------------------------------------------------------------------------------------------------

def test_points_on_a_shared_edge_go_to_the_cell_east_or_north():
    x = np.array([1000.0, 1250.0, 1249.999, 1000.0])
    y = np.array([2000.0, 2000.0, 2000.0, 2250.0])
    cube = bin_events(x, y, np.zeros(4, dtype=int), 1)
    assert (cube.x0, cube.y0, cube.cell_m) == (1000.0, 2000.0, 250.0)
    assert cube.counts.shape == (1, 2, 2)
    assert cube.counts[0].tolist() == [[2, 1], [1, 0]]  # row 0 is the southern row
    assert cube.dropped == 0


def test_own_extent_is_snapped_to_whole_cells():
    cube = bin_events([260.0, 740.0], [10.0, 10.0], [0, 0], 1, cell_m=250)
    assert (cube.x0, cube.y0) == (250.0, 0.0)
    assert cube.counts.shape == (1, 1, 2)


def test_bounds_are_widened_to_whole_cells_and_events_outside_are_dropped():
    x = np.array([100.0, 999.9, 1000.0, -1.0, 500.0])
    y = np.array([100.0, 600.0, 300.0, 300.0, 749.0])
    cube = bin_events(x, y, np.zeros(5, dtype=int), 1, bounds=(100, 100, 900, 600))
    assert (cube.x0, cube.y0, cube.rows, cube.cols) == (0.0, 0.0, 3, 4)
    assert cube.counts.sum() == 3 and cube.dropped == 2
    assert cube.counts[0, 0, 0] == 1 and cube.counts[0, 2, 3] == 1 and cube.counts[0, 2, 2] == 1


def test_weights_periods_and_dropped_events():
    x = np.array([10.0, 20.0, 30.0, 40.0, np.nan, 60.0])
    y = np.array([10.0, 10.0, 10.0, 10.0, 10.0, 10.0])
    periods = np.array([0, 0, 2, -1, 1, 3])
    cube = bin_events(x, y, periods, 3, weights=[1.5, 2.0, 4.0, 8.0, 16.0, 32.0])
    assert cube.counts.dtype == float and cube.counts.shape == (3, 1, 1)
    assert cube.counts[:, 0, 0].tolist() == [3.5, 0.0, 4.0]
    assert cube.dropped == 3  # period -1, no location, period past the last
    unweighted = bin_events(x, y, periods, 3)
    assert unweighted.counts.dtype.kind == "i" and unweighted.counts[:, 0, 0].tolist() == [2, 0, 1]


def test_an_empty_cube_when_there_is_nothing_to_bin():
    cube = bin_events([], [], [], 4)
    assert cube.counts.shape == (4, 0, 0)
    assert emerging_hotspots(cube).category.shape == (0, 0)


def test_cell_polygons_come_back_to_their_corners():
    x, y = to_grid(53.48, -2.24)  # Manchester
    cube = bin_events(x, y, [0], 1, bounds=(x - 600, y - 600, x + 600, y + 600))
    rows, cols = np.array([0, 4, 2]), np.array([0, 4, 3])
    rings = cube.cell_polygons_latlon(rows, cols)
    assert rings.shape == (3, 5, 2)
    assert np.array_equal(rings[:, 0], rings[:, 4])  # closed
    xs, ys = to_grid(rings[..., 0], rings[..., 1])
    xmin, ymin, xmax, ymax = cube.cell_bounds(rows, cols)
    assert np.allclose(xs[:, :4], np.stack([xmin, xmax, xmax, xmin], axis=1), atol=1e-3)
    assert np.allclose(ys[:, :4], np.stack([ymin, ymin, ymax, ymax], axis=1), atol=1e-3)
    lons, lats = rings[..., 1], rings[..., 0]
    shoelace = (lons[:, :-1] * lats[:, 1:] - lons[:, 1:] * lats[:, :-1]).sum(axis=1)
    assert (shoelace > 0).all()  # anticlockwise, as GeoJSON wants outer rings
    assert 53.47 < rings[..., 0].min() and rings[..., 0].max() < 53.49


def test_a_far_off_point_does_not_make_a_country_sized_grid():
    with pytest.raises(ValueError, match="give bounds"):
        bin_events([400_000.0, 1_200_000.0], [300_000.0, 1_200_000.0], [0, 0], 1)
    cube = bin_events([400_000.0, 1_200_000.0], [300_000.0, 1_200_000.0], [0, 0], 1,
                      bounds=(399_000, 299_000, 401_000, 301_000))
    assert cube.counts.sum() == 1 and cube.dropped == 1
