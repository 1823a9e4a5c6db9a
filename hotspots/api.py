"""The hotspot cells in the JSON API (SPEC §5.1): a GeoJSON FeatureCollection, suppressed for aggregate-only readers."""
from dataclasses import replace
from datetime import date

from flask import Blueprint, current_app, jsonify, request

from core import audit
from core.auth import acting_user
from core.errors import Invalid
from core.timeutil import london_today
from hotspots import cells, presenting
from hotspots.analysis import CATEGORIES
from hotspots.events import source_labels

bp = Blueprint("hotspots_api", __name__, url_prefix="/api/v1")


def _date(args, name, errors):
    text = args.get(name)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = "Use an ISO 8601 date, for example 2026-11-01."
        return None


def _params(args):
    """The analysis the query asks for, or Invalid naming every bad parameter."""
    errors = {}
    since, until = _date(args, "since", errors), _date(args, "until", errors)
    period = args.get("period", "month")
    if period not in cells.PERIODS:
        errors["period"] = "Use one of: " + ", ".join(cells.PERIODS) + "."
    try:
        cell_m = int(args.get("cell_m", 250))
        if cell_m not in cells.CELL_SIZES:
            raise ValueError
    except ValueError:
        errors["cell_m"] = "Use one of: " + ", ".join(str(size) for size in cells.CELL_SIZES) + "."
        cell_m = 250
    known = source_labels()
    kinds = tuple(sorted(kind for kind in args.get("kinds", "").split(",") if kind)) or tuple(sorted(known))
    if any(kind not in known for kind in kinds):
        errors["kinds"] = "Use a comma-separated list of: " + ", ".join(sorted(known)) + "."
    if since and until and until <= since:
        errors["until"] = "until must be after since."
    if errors:
        raise Invalid(errors, "Some parameters are not valid.")
    default = cells.default_params(london_today(), period=period, cell_m=cell_m, kinds=kinds,
                                   area=current_app.config["HOTSPOT_AREA"])
    until = until or default.until
    return replace(default, since=since or cells.add_months(until, -24), until=until)


@bp.route("/hotspots")
def hotspots():
    """Return the hotspot cells as GeoJSON; counts under the threshold are null for aggregate-only readers."""
    user = acting_user()
    params = _params(request.args)
    result = cells.hotspot_cells(params)
    shown = presenting.shown_cells(result, user)
    labels = dict(CATEGORIES)
    audit.record("hotspots.api", reason=request.query_string.decode()[:400] or None)
    return jsonify(
        type="FeatureCollection",
        features=[{"type": "Feature", "id": f"{cell['ix']}:{cell['iy']}",
                   "geometry": {"type": "Polygon", "coordinates": [cell["polygon"]]},
                   "properties": {"count": cell["count"], "z": cell["z"], "p": cell["p"],
                                  "category": cell["category"], "label": labels.get(cell["category"])}}
                  for cell in shown],
        meta={"since": params.since.isoformat(), "until": params.until.isoformat(), "period": params.period,
              "cell_m": params.cell_m, "kinds": list(params.kinds), "periods": result.periods,
              "data_version": result.version, "stale": result.stale,
              "suppressed_below": None if presenting.sees_detail(user) else presenting.threshold(),
              "vague_events_left_out": sum(result.vague.values())})
