"""What each reader may see of an analysis: cells with counts suppressed below the threshold for aggregate-only
readers (partners, licensing officers), the changes since the previous period, and the data layers police and
specialists see beside the cells (premises, an intelligence heat layer, the domains' marker layers).

Every function here takes the reader and applies the rule; the pages and the API both call them.
"""
from collections import Counter

from flask import current_app, url_for
from peewee import JOIN, fn

from hotspots import cells as hotspot_cells
from hotspots.analysis import CATEGORIES
from hotspots.concerns import LocationOfConcern
from hotspots.layers import layers
from records.models import IntelligenceEntry, IntelligencePremises, Premises

# Who sees records on the map (points, names, links); everyone else sees aggregated cells only (SPEC §4.4).
DETAIL_ROLES = frozenset({"police", "specialist"})
# A map shows at most this many premises, those named in most intelligence first.
MAX_PREMISES = 2000


def sees_detail(user):
    return bool(user.roles & DETAIL_ROLES)


def threshold():
    return current_app.config["HOTSPOT_SUPPRESS_BELOW"]


def count_text(count, detail):
    if not detail and count < threshold():
        return f"fewer than {threshold()}"
    return str(count)


def shown_cells(result, user, previous=None):
    """The cells user may see, each with count (None when suppressed), count_text and, for the changed view, the
    category it had before. With previous, only the cells whose category changed are kept."""
    detail = sees_detail(user)
    cells = []
    before = previous.by_index() if previous is not None else None
    now = result.by_index()
    keys = list(now)
    if before is not None:
        keys = [key for key in now if before.get(key, {}).get("category", "none") != now[key]["category"]]
        keys += [key for key in before if key not in now]  # cells that stopped being anything
    for key in keys:
        if key in now:
            cell = dict(now[key])
            cell["count_text"] = count_text(cell["count"], detail)
            if not detail and cell["count"] < threshold():
                cell["count"] = None
        else:  # no longer a hot or cold spot: its count is not part of this analysis
            cell = {**before[key], "category": "none", "count": None, "count_text": "—", "z": 0.0, "p": 1.0}
        if before is not None:
            cell["was"] = before.get(key, {}).get("category", "none")
        if detail:
            cell["records_link"] = (f'<a href="{url_for("maps.cell", ix=cell["ix"], iy=cell["iy"])}">'
                                    "Records in this cell</a>")
        cells.append(cell)
    return cells


def centre(cell):
    """(lat, lon) of a cell's centre, to 5 decimals."""
    lons, lats = zip(*cell["polygon"][:4])
    return round(sum(lats) / 4, 5), round(sum(lons) / 4, 5)


def category_counts(cells):
    counts = dict.fromkeys(CATEGORIES, 0)
    for cell in cells:
        counts[cell["category"]] = counts.get(cell["category"], 0) + 1
    return {category: count for category, count in counts.items() if count}


def premises_rows(premises_type=None):
    """[lat, lon, name, url, type] of located premises, those named in most intelligence first (police only)."""
    mentions = fn.COUNT(IntelligencePremises.id)
    query = (Premises.select(Premises.id, Premises.name, Premises.type, Premises.lat, Premises.lon,
                             mentions.alias("mentions"))
             .join(IntelligencePremises, on=(IntelligencePremises.premises == Premises.id), join_type=JOIN.LEFT_OUTER)
             .where(Premises.lat.is_null(False))
             .group_by(Premises.id, Premises.name, Premises.type, Premises.lat, Premises.lon)
             .order_by(mentions.desc(), Premises.id).limit(MAX_PREMISES))
    if premises_type:
        query = query.where(Premises.type == premises_type)
    return [[p.lat, p.lon, p.name, url_for("records.premises", premises_id=p.id), p.type_label] for p in query]


def heat_points(user, params):
    """The intelligence user may read in the window, as weighted points rounded to about 100 m: a heat layer
    whose size depends on the area covered, never on the number of entries."""
    lat = fn.ROUND(IntelligenceEntry.lat.cast("NUMERIC"), 3)
    lon = fn.ROUND(IntelligenceEntry.lon.cast("NUMERIC"), 3)
    since, until = hotspot_cells.window_utc(params)
    query = (IntelligenceEntry.visible_to(user)
             .select(lat.alias("lat"), lon.alias("lon"), fn.COUNT(IntelligenceEntry.id).alias("n"))
             .where(IntelligenceEntry.lat.is_null(False) & (IntelligenceEntry.occurred_at >= since)
                    & (IntelligenceEntry.occurred_at < until)
                    & IntelligenceEntry.location_precision.not_in(("locality",)))
             .group_by(lat, lon))
    return [[float(row["lat"]), float(row["lon"]), int(row["n"])] for row in query.dicts()]


def marker_layers(user):
    return {name: rows(user) for name, rows in layers().items()}


def aggregate_only(shown):
    """The cells as an aggregate-only reader sees them (for the printable map, whoever prints it)."""
    cells = []
    for cell in shown:
        cell = dict(cell)
        cell.pop("records_link", None)
        if cell["count"] is not None and cell["count"] < threshold():
            cell["count"] = None
        if cell["count_text"] != "—":
            cell["count_text"] = count_text(cell["count"] if cell["count"] is not None else 0, detail=False)
        cells.append(cell)
    return cells


def _inside(query, model, box):
    """Rows of query whose point lies in the cell: a bounding-box filter in SQL, then the exact cell in numpy."""
    south, west, north, east = box.bounds
    rows = list(query.where(model.lat.between(south, north) & model.lon.between(west, east)))
    return [row for row in rows if box.contains(row.lat, row.lon)]


def premises_in(box):
    return _inside(Premises.select().order_by(Premises.name), Premises, box)


def intelligence_in(box, user):
    """The entries user may read placed in the cell, newest first (C-coded ones listed by grading only)."""
    return _inside(IntelligenceEntry.visible_to(user).order_by(IntelligenceEntry.occurred_at.desc()),
                   IntelligenceEntry, box)


def concerns_in(box):
    return _inside(LocationOfConcern.select().order_by(LocationOfConcern.occurred_at.desc()), LocationOfConcern,
                   box)


def changes_between(start, end, area=()):
    """How the cells' categories moved between the analysis of the two years up to start's month and that up to
    end's month: [(now, was, number of cells)], most cells first. Categories only: nothing a partner may not see."""
    before = hotspot_cells.hotspot_cells(hotspot_cells.default_params(start, area=area)).by_index()
    now = hotspot_cells.hotspot_cells(hotspot_cells.default_params(end, area=area)).by_index()
    moves = Counter()
    for key in set(before) | set(now):
        was = before.get(key, {}).get("category", "none")
        current = now.get(key, {}).get("category", "none")
        if was != current:
            moves[(current, was)] += 1
    return sorted(((now, was, count) for (now, was), count in moves.items()), key=lambda move: -move[2])
