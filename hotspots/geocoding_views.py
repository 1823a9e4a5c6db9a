"""Geocoding's pages: the "needs a location" list, placing a record on the map by hand, the administrator's
online-geocoder switch, and the `flask import-gazetteer` command."""
import sys
from pathlib import Path

import click
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from peewee import fn

from core.auth import acting_user
from core.csvfile import FileProblem, decode
from core.errors import Invalid
from core.navigation import nav_link
from core.permissions import can
from core.timeutil import format_local
from core.web import csv_response, paginate, wants_csv
from hotspots import gazetteer, geocoding, locations
from hotspots.forms import GeocoderSwitchForm, PlaceForm
from hotspots.models import NEEDS_LOCATION, GazetteerAddress, GazetteerImport, GeocodeCache, LocationTask
from records.forms import ReasonForm
from records.links import Section, record_section

# cli_group=None puts the command at the top level: `flask import-gazetteer`.
bp = Blueprint("geocoding", __name__, cli_group=None)

nav_link("geocoding.needs_location", "Needs a location")
nav_link("geocoding.geocoder", "Geocoder")

STATUS_LABELS = {"waiting": "Waiting for the geocoder", "not_found": "Not found"}
NEARBY = 200  # gazetteer addresses of the postcode drawn on the placing map, to click on


def _status(task):
    if task.status == "not_found":
        return "Not found"
    if task.attempts:
        return (f"Geocoder unavailable at {task.attempts} attempt(s); next try by "
                f"{format_local(task.next_attempt_at)}")
    return "Waiting for the geocoder"


@bp.route("/locations")
def needs_location():
    """List the records no geocoder has placed yet, to search, export as CSV, or place by hand on the map."""
    args = request.args
    kind = args.get("kind") if locations.locatable(args.get("kind") or "") else None
    status = args.get("status") if args.get("status") in NEEDS_LOCATION else None
    query = locations.needs_location(acting_user(), (args.get("q") or "").strip() or None, kind, status)
    if wants_csv():
        lines = locations.describe(query, acting_user(), "needs-a-location CSV export")
        return csv_response("needs-location", ["kind", "id", "record", "address", "postcode", "status", "attempts",
                                               "problem"], lines, lambda line: [
            line.entry.kind, line.record.id, line.title,
            line.address.address if line.open else "(give a reason on the record to read it)",
            line.address.postcode if line.open else "", _status(line.task), line.task.attempts,
            line.task.last_error or ""])
    page = paginate(query)
    page.items = locations.describe(page.items, acting_user(), "needs a location list")
    return render_template("hotspots/needs_location.html", page=page, kinds=locations.locatables(),
                           statuses=STATUS_LABELS, status_of=_status)


def _visible_record(kind, record_id):
    """The registered kind and its record, if the user may see it (404 otherwise: nothing is disclosed)."""
    entry = locations.locatable(kind) or abort(404)
    record = entry.visible_to(acting_user()).where(entry.model.id == record_id).first() or abort(404)
    return entry, record


def _reason_page(entry, record, form=None):
    form = form or ReasonForm()
    form.submit.label.text = "Open it to place it"
    return render_template("hotspots/place_reason.html", entry=entry, record=record, form=form)


def _place_page(entry, record, form, reason=None):
    """The map to place record on, after auditing that its address was opened (with the reason, if it took one)."""
    if entry.read:
        entry.read(record, acting_user(), reason)
    form.reason.data = reason or ""
    query = entry.query(record)
    nearby = []
    if query.postcode:
        nearby = [{"lat": a.lat, "lon": a.lon, "label": a.address} for a in GazetteerAddress.select().where(
            GazetteerAddress.postcode == query.postcode).order_by(GazetteerAddress.address_key).limit(NEARBY)]
    centre = geocoding.GAZETTEER.by_postcode(query)
    data = {"current": {"lat": record.lat, "lon": record.lon} if record.lat is not None else None,
            "centre": {"lat": centre.latitude, "lon": centre.longitude} if centre else None, "nearby": nearby}
    return render_template("hotspots/place.html", entry=entry, record=record, query=query, form=form, data=data,
                           tile_url=current_app.config["TILE_URL"], bounds=geocoding.UK_BOUNDS_TEXT)


@bp.route("/locations/<kind>/<int:record_id>")
def place(kind, record_id):
    """Show a record's address and a map to place it on by hand; a C-coded entry first asks why you need it."""
    entry, record = _visible_record(kind, record_id)
    if entry.needs_reason(record, acting_user()):
        return _reason_page(entry, record)
    return _place_page(entry, record, PlaceForm(formdata=None))


@bp.route("/locations/<kind>/<int:record_id>/open", methods=["POST"])
def place_open(kind, record_id):
    """Open a C-coded entry's place with the reason you need it (audited with that reason), to place it."""
    entry, record = _visible_record(kind, record_id)
    if not entry.needs_reason(record, acting_user()):
        return redirect(url_for("geocoding.place", kind=kind, record_id=record_id))
    form = ReasonForm()
    if not form.validate_on_submit():
        return _reason_page(entry, record, form)
    return _place_page(entry, record, PlaceForm(formdata=None), form.reason.data.strip())


@bp.route("/locations/<kind>/<int:record_id>/place", methods=["POST"])
def place_save(kind, record_id):
    """Save where a person placed the record: precision "manual", audited; a point outside the UK is refused."""
    entry, record = _visible_record(kind, record_id)
    form = PlaceForm()
    reason = (form.reason.data or "").strip()
    if entry.needs_reason(record, acting_user()) and not reason:
        return redirect(url_for("geocoding.place", kind=kind, record_id=record_id))
    if form.validate_on_submit():
        try:
            locations.place(record, acting_user(), form.lat.data, form.lon.data)
        except Invalid as error:
            form.lat.errors = list(form.lat.errors) + list(error.fields.values())
        else:
            flash(f"Placed {entry.title(record)} on the map by hand.", "success")
            return redirect(url_for("geocoding.needs_location"))
    return _place_page(entry, record, form, reason), 422


@bp.route("/admin/geocoder", methods=["GET", "POST"])
def geocoder():
    """Show the geocoders the chain uses and switch the online geocoder on or off (audited)."""
    form = GeocoderSwitchForm(online=geocoding.online_enabled())
    if form.validate_on_submit():
        if form.online.data and not geocoding.online_allowed():
            flash("No online geocoder is configured (GEOCODER), so it cannot be switched on.", "danger")
        else:
            geocoding.set_online(acting_user(), form.online.data)
            if form.online.data:
                retried = locations.retry_not_found()
                flash(f"The online geocoder is on: addresses the gazetteer does not know go to "
                      f"{geocoding.describe_service()}. {retried} record(s) not found before will be tried.", "success")
            else:
                flash("The online geocoder is off: no address leaves the server.", "success")
            return redirect(url_for("geocoding.geocoder"))
    counts = dict(LocationTask.select(LocationTask.status, fn.COUNT(LocationTask.id))
                  .group_by(LocationTask.status).tuples())
    return render_template(
        "hotspots/geocoder.html", form=form, allowed=geocoding.online_allowed(), online=geocoding.online_enabled(),
        service=geocoding.describe_service(), decision=geocoding.switch(), counts=counts,
        addresses=GazetteerAddress.select().count(),
        postcodes=GazetteerAddress.select(fn.COUNT(fn.DISTINCT(GazetteerAddress.postcode))).scalar(),
        last_import=GazetteerImport.select().order_by(GazetteerImport.id.desc()).first(),
        cached=GeocodeCache.select().count(), interval=current_app.config["GEOCODER_MIN_INTERVAL_SECONDS"])


@record_section(order=1)
def location_section(record_type, record, user):
    """On a premises page: why it has no location yet, and a way to place it by hand."""
    if record_type != "premises" or record.lat is not None:
        return None
    task = LocationTask.get_or_none((LocationTask.record_type == "premises") & (LocationTask.record_id == record.id))
    if task is None or task.status not in NEEDS_LOCATION:
        return None
    actions = [("Place on the map", url_for("geocoding.place", kind="premises", record_id=record.id))] \
        if can("geocoding.place") else []
    return Section("Location", [(_status(task), None, task.last_error)], "", actions=actions)


@bp.cli.command("import-gazetteer")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report problems; write nothing.")
def import_gazetteer(path, dry_run):
    """Import the addresses in PATH (CSV, UTF-8) into the gazetteer the geocoding chain reads first."""
    try:
        result = gazetteer.import_file(path.name, decode(path.read_bytes()), dry_run)
    except Invalid as error:
        raise click.ClickException(next(iter(error.fields.values()))) from None
    except FileProblem as problem:
        raise click.ClickException(f"The file was refused: {problem}") from None
    click.echo(f"Gazetteer import of {path.name}. {result.summary()}")
    if result.problems:
        click.echo(f"Problems ({len(result.problems)}):")
        for line, column, message in result.problems:
            click.echo(f"  line {line} " + (f"{column}: " if column else "") + message)
    if result.failed and not result.imported:
        sys.exit(1)
