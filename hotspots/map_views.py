"""The hotspot map pages: the map (records for police and specialists, aggregated cells for everyone else), a
printable map for meeting packs, a cell's records, and locations of concern."""
from dataclasses import replace
from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from playhouse.flask_utils import get_object_or_404

from core import audit
from core.auth import acting_user
from core.errors import Invalid
from core.navigation import nav_link
from core.permissions import require_own_organisation
from core.timeutil import add_months, london_to_utc, london_today
from core.web import csv_response, paginate, wants_csv
from hotspots import cells, maps, presenting
from hotspots.analysis import CATEGORIES
from hotspots.concerns import CONCERN_TYPES, LocationOfConcern, log_concern
from hotspots.events import source_labels
from hotspots.forms import VIEWS, ConcernForm, MapFilterForm

bp = Blueprint("maps", __name__, url_prefix="/hotspots")

nav_link("maps.hotspot_map", "Hotspots")
nav_link("maps.concerns", "Concerns")


def _params(form):
    """The analysis the filter form asks for; the defaults where it asks for nothing (or for nonsense)."""
    kinds = source_labels()
    today = london_today()
    valid = form.validate()
    until = today
    if valid and form.until.data:
        year, month = (int(part) for part in form.until.data.split("-"))
        until = date(year, month, 1)
    months = form.months.data if valid and form.months.data else 24
    chosen = tuple(sorted(kind for kind in (form.kinds.data or []) if kind in kinds)) or tuple(sorted(kinds))
    params = cells.default_params(until, period=form.period.data if valid else "month",
                                  cell_m=form.cell_m.data if valid else 250, kinds=chosen, months=months,
                                  area=current_app.config["HOTSPOT_AREA"])
    return replace(params, fdr=bool(valid and form.fdr.data))


def _analysis(form, user):
    params = _params(form)
    if not form.until.data:
        form.until.data = f"{add_months(params.until, -1):%Y-%m}"
    result = cells.hotspot_cells(params)
    previous = cells.hotspot_cells(params.previous()) if form.view.data == "changed" else None
    shown = presenting.shown_cells(result, user, previous)
    return params, result, shown


@bp.route("")
def hotspot_map():
    """Show the hotspot map: cells by category, and for police and specialists the records beside them."""
    user = acting_user()
    form = MapFilterForm(request.args, kinds=source_labels())
    params, result, shown = _analysis(form, user)
    detail = presenting.sees_detail(user)
    labels = dict(CATEGORIES)
    if wants_csv():
        return csv_response("hotspot-cells", ["cell_x", "cell_y", "cell_m", "category", "label", "was", "events",
                                              "gi_z_last_period", "gi_p_last_period", "centre_lat", "centre_lon"],
                            shown, lambda c: [c["ix"], c["iy"], params.cell_m, c["category"], labels[c["category"]],
                                              c.get("was", ""), c["count_text"], c["z"], c["p"],
                                              *presenting.centre(c)])
    folium_map, assets = maps.new_map(current_app.config["TILE_URL"], current_app.config["TILE_ATTRIBUTION"],
                                      centre=current_app.config["MAP_CENTRE"])
    maps.add_cells(folium_map, shown, labels, detail)
    layer_counts = {}
    if detail:
        premises = presenting.premises_rows(form.premises_type.data or None)
        maps.add_markers(folium_map, premises, "Premises", assets)
        layer_counts["Premises"] = len(premises)
        heat = presenting.heat_points(user, params)
        maps.add_heat(folium_map, heat, "Intelligence (heat)", assets)
        layer_counts["Intelligence (heat)"] = sum(point[2] for point in heat)
        for name, rows in presenting.marker_layers(user).items():
            maps.add_markers(folium_map, rows, name, assets)
            layer_counts[name] = len(rows)
    parts = maps.render(folium_map, bounds=_bounds(shown))
    audit.record("hotspots.map", reason=f"{'records' if detail else 'cells'}; {request.query_string.decode()[:400]}")
    return render_template("hotspots/map.html", form=form, params=params, result=result, cells=shown, map=parts,
                           detail=detail, legend=maps.legend(labels), counts=presenting.category_counts(shown),
                           layer_counts=layer_counts, view_label=VIEWS.get(form.view.data, ""),
                           threshold=presenting.threshold(), labels=labels, window=window_text(params))


def window_text(params):
    """"Dec 2024 to Nov 2026": the first and last periods of the window."""
    last = add_months(params.until, -1) if params.period == "month" else params.until
    return f"{params.since:%b %Y} to {last:%b %Y}"


def _bounds(shown):
    points = [corner for cell in shown for corner in cell["polygon"]]
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


@bp.route("/print")
def printable():
    """A printable map of the cells alone (no records, counts suppressed as for partners), for meeting packs."""
    user = acting_user()
    form = MapFilterForm(request.args, kinds=source_labels())
    params, result, shown = _analysis(form, user)
    shown = presenting.aggregate_only(shown)
    folium_map, assets = maps.new_map(current_app.config["TILE_URL"], current_app.config["TILE_ATTRIBUTION"],
                                      centre=current_app.config["MAP_CENTRE"])
    labels = dict(CATEGORIES)
    maps.add_cells(folium_map, shown, labels, detail=False)
    parts = maps.render(folium_map, bounds=_bounds(shown), layer_control=False)
    audit.record("hotspots.print", reason=request.query_string.decode()[:400] or None)
    return render_template("hotspots/print.html", params=params, result=result, cells=shown, map=parts,
                           legend=maps.legend(labels), counts=presenting.category_counts(shown),
                           labels=labels, threshold=presenting.threshold(), view_label=VIEWS.get(form.view.data, ""),
                           window=window_text(params))


@bp.route("/cells/<int:ix>/<int:iy>")
def cell(ix, iy):
    """List the premises, intelligence and locations of concern inside one cell (police and specialists)."""
    user = acting_user()
    cell_m = request.args.get("cell_m", 250, type=int)
    if cell_m not in cells.CELL_SIZES:
        cell_m = 250
    box = cells.cell_box(ix, iy, cell_m)
    premises = presenting.premises_in(box)
    entries = presenting.intelligence_in(box, user)
    concerns = presenting.concerns_in(box)
    audit.record("hotspots.cell", reason=f"cell {ix},{iy} at {cell_m} m; intelligence "
                                          + ",".join(str(e.id) for e in entries)[:400])
    return render_template("hotspots/cell.html", ix=ix, iy=iy, cell_m=cell_m, box=box, premises=premises,
                           entries=entries, concerns=concerns, concern_types=CONCERN_TYPES)


# -- locations of concern ----------------------------------------------------------------------------------

@bp.route("/concerns")
def concerns():
    """List the locations of concern your organisation has logged."""
    user = acting_user()
    query = LocationOfConcern.logged_by(user.organisation_id)
    kind = request.args.get("type")
    if kind in CONCERN_TYPES:
        query = query.where(LocationOfConcern.type == kind)
    if wants_csv():
        return csv_response("locations-of-concern", ["id", "type", "occurred_at_utc", "place", "address", "postcode",
                                                     "lat", "lon", "precision"], query,
                            lambda c: [c.id, c.type_label, c.occurred_at, c.place_description, c.address, c.postcode,
                                       c.lat, c.lon, c.location_precision or "needs a location"])
    return render_template("hotspots/concerns.html", page=paginate(query), types=CONCERN_TYPES, kind=kind)


@bp.route("/concerns/new", methods=["GET", "POST"])
def concern_new():
    """Log a place, a time and a type of concern: never a name."""
    user = acting_user()
    form = ConcernForm()
    if form.validate_on_submit():
        try:
            concern = log_concern(user, type=form.type.data, occurred_at=london_to_utc(form.occurred_at.data),
                                  place_description=form.place_description.data, address=form.address.data,
                                  postcode=form.postcode.data or None, lat=form.lat.data, lon=form.lon.data)
        except Invalid as error:
            for name, message in error.fields.items():
                getattr(form, name, form.submit).errors.append(message)
        else:
            flash("Location of concern logged." + ("" if concern.lat is not None else
                                                   " It will be placed on the map once its address is located."),
                  "success")
            return redirect(url_for("maps.concern", concern_id=concern.id))
    return render_template("hotspots/concern_form.html", form=form, tile_url=current_app.config["TILE_URL"],
                           centre=current_app.config["MAP_CENTRE"])


@bp.route("/concerns/<int:concern_id>")
def concern(concern_id):
    """Show one location of concern your organisation logged."""
    concern = require_own_organisation(get_object_or_404(LocationOfConcern, LocationOfConcern.id == concern_id))
    return render_template("hotspots/concern.html", concern=concern)


