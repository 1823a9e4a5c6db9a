"""Pages for people, vehicles, premises and intelligence: search, records, their links and their network."""
from datetime import date, timedelta
from importlib.util import find_spec
from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory,
                   url_for)
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from core.auth import acting_user
from core import audit
from core.errors import Invalid
from core.navigation import nav_link
from core.timeutil import london_day_start, london_to_utc
from core.web import Page, csv_response, paginate, wants_csv
from records import intelligence, links, normalise, workflow
from records.forms import IntelligenceForm, PersonForm, PremisesForm, PremisesLinkForm, ReasonForm, VehicleForm
from records.models import (HANDLING_CODES, INTELLIGENCE_ASSESSMENTS, PREMISES_ROLES, SOURCE_EVALUATIONS,
                            IntelligenceEntry, Person, Premises, PremisesPerson, Vehicle)

bp = Blueprint("records", __name__)

nav_link("records.search", "Search")
nav_link("records.intelligence_list", "Intelligence")

# vis-network as pyvis installs it: served from the package, never copied into the repo or fetched from a CDN.
# Found without importing pyvis, which would import networkx into every process.
VIS_NETWORK = Path(find_spec("pyvis").origin).resolve().parent / "lib" / "vis-9.1.2"

# Each section of the search page: its heading, its search, and how many the overview shows.
SECTIONS = {"people": ("People", Person.search), "vehicles": ("Vehicles", Vehicle.search),
            "premises": ("Premises", Premises.search)}
OVERVIEW = 10


def _linked(record_type, record):
    """What a record page shows below the record: the registered sections and the derived connections. Every
    intelligence entry they show or were derived from is audited in one listing row."""
    sections = links.record_sections(record_type, record, acting_user())
    connections = links.connection_lists(record_type, record, acting_user())
    intelligence.listed([i for section in sections for i in section.entries] + links.entries_used(connections),
                        acting_user(), f"{record_type} {record.id} page")
    return {"sections": sections, "connections": connections, "record_type": record_type,
            "record": record, "link_url": links.record_url}


def _save(form, create):
    """Run create() and return its record, or put the workflow's field messages on the form and return None."""
    try:
        return create()
    except Invalid as error:
        for name, message in error.fields.items():
            getattr(form, name, form.submit).errors.append(message)
        return None


@bp.route("/records")
def search():
    """Find people by name or alias, vehicles by registration, premises by name, address or postcode."""
    q = (request.args.get("q") or "").strip()
    section = request.args.get("section") if request.args.get("section") in SECTIONS else None
    results = {}
    if q:
        audit.record("records.search", reason=q[:500])
        for name, (_, search_for) in SECTIONS.items():
            if section == name:
                results[name] = paginate(search_for(q))
            elif section is None:
                query = search_for(q)
                results[name] = Page(items=list(query.limit(OVERVIEW)), page=1, per_page=OVERVIEW,
                                     total=query.count())
    # "Add one" beside an empty section starts the form with what was searched for, where it fits.
    add = {"people": url_for("records.person_new", name=q or None),
           "vehicles": url_for("records.vehicle_new", registration=None if normalise.registration_problem(q) else q),
           "premises": url_for("records.premises_new")}
    return render_template("records/search.html", q=q, section=section, sections=SECTIONS, results=results,
                           add=add)


@bp.route("/records/people/new", methods=["GET", "POST"])
def person_new():
    """Add a person: name, aliases and date of birth."""
    form = PersonForm(name=request.args.get("name"))
    if form.validate_on_submit():
        person = _save(form, lambda: workflow.create_person(
            acting_user(), form.name.data, form.date_of_birth.data, form.alias_list))
        if person:
            flash(f"Added {person.name}.", "success")
            return redirect(url_for("records.person", person_id=person.id))
    return render_template("records/form.html", form=form, title="Add a person")


@bp.route("/records/people/<int:person_id>")
def person(person_id):
    """Show a person: aliases, date of birth, everything linked and derived connections. Every opening is audited."""
    person = get_object_or_404(Person, Person.id == person_id)
    audit.record("person.view", person, user=acting_user())
    return render_template("records/person.html", person=person, **_linked("person", person))


@bp.route("/records/vehicles/new", methods=["GET", "POST"])
def vehicle_new():
    """Add a vehicle; its registration is normalised and must not be recorded already."""
    form = VehicleForm(registration=request.args.get("registration"))
    if form.validate_on_submit():
        vehicle = _save(form, lambda: workflow.create_vehicle(
            acting_user(), form.registration.data, form.make.data, form.model.data, form.colour.data))
        if vehicle:
            flash(f"Added {vehicle.registration}.", "success")
            return redirect(url_for("records.vehicle", vehicle_id=vehicle.id))
        form.existing = workflow.existing_vehicle(form.registration.data)
    return render_template("records/form.html", form=form, title="Add a vehicle", existing=form.existing)


@bp.route("/records/vehicles/<int:vehicle_id>")
def vehicle(vehicle_id):
    """Show a vehicle, everything linked to it and its derived connections."""
    vehicle = get_object_or_404(Vehicle, Vehicle.id == vehicle_id)
    return render_template("records/vehicle.html", vehicle=vehicle, **_linked("vehicle", vehicle))


@bp.route("/records/premises/new", methods=["GET", "POST"])
def premises_new():
    """Add premises: name, type, address and postcode."""
    form = PremisesForm()
    if form.validate_on_submit():
        premises = _save(form, lambda: workflow.create_premises(
            acting_user(), form.name.data, form.type.data, form.address.data, form.postcode.data))
        if premises:
            flash(f"Added {premises.name}.", "success")
            return redirect(url_for("records.premises", premises_id=premises.id))
    return render_template("records/form.html", form=form, title="Add premises")


def _premises_page(premises, link_form):
    people = (PremisesPerson.select(PremisesPerson, Person).join(Person)
              .where(PremisesPerson.premises == premises).order_by(PremisesPerson.role, Person.name))
    return render_template("records/premises.html", premises=premises, people=people, link_form=link_form,
                           roles=PREMISES_ROLES, **_linked("premises", premises))


@bp.route("/records/premises/<int:premises_id>")
def premises(premises_id):
    """Show premises: address, location, owners and operators, everything linked and derived connections."""
    premises = get_object_or_404(Premises, Premises.id == premises_id)
    return _premises_page(premises, PremisesLinkForm())


@bp.route("/records/premises/<int:premises_id>/people", methods=["POST"])
def premises_link(premises_id):
    """Link a person to premises as owner or operator."""
    premises = get_object_or_404(Premises, Premises.id == premises_id)
    form = PremisesLinkForm()
    if form.validate_on_submit() and _save(form, lambda: workflow.link_person(
            acting_user(), premises, form.person, form.role.data)):
        flash(f"Linked {form.person.name} as {PREMISES_ROLES[form.role.data].lower()}.", "success")
        return redirect(url_for("records.premises", premises_id=premises.id))
    return _premises_page(premises, form)


# -- intelligence

def _visible_entry(entry_id):
    """The entry if the user may read it under its handling code; 404 otherwise, so a refused read discloses
    nothing (not even that the entry exists) and writes no audit row."""
    return intelligence.visible(entry_id, acting_user()) or abort(404)


def _filters():
    args = request.args
    since = args.get("since", type=date.fromisoformat)
    until = args.get("until", type=date.fromisoformat)
    return {"q": (args.get("q") or "").strip() or None,
            "handling_code": args.get("handling_code") if args.get("handling_code") in HANDLING_CODES else None,
            "source_evaluation": args.get("source_evaluation", type=int),
            "intelligence_assessment": args.get("intelligence_assessment")
            if args.get("intelligence_assessment") in INTELLIGENCE_ASSESSMENTS else None,
            "since": london_day_start(since) if since else None,
            "until": london_day_start(until + timedelta(days=1)) if until else None,
            "person_id": args.get("person", type=int), "vehicle_id": args.get("vehicle", type=int),
            "premises_id": args.get("premises", type=int)}


@bp.route("/intelligence")
def intelligence_list():
    """List the intelligence you may see, filtered by text, grading and date; C-coded text stays closed."""
    query = intelligence.search(acting_user(), **_filters())
    if wants_csv():
        # csv_response audits the export with its filters; the entries exported are listed in one more row
        # (their ids read up front, so a download cut short is still recorded). C-coded text is left out.
        intelligence.listed([i for i, in query.select(IntelligenceEntry.id).tuples()], acting_user(), "CSV export")
        return csv_response("intelligence", ["id", "occurred_at", "grading", "organisation", "text"], query,
                            lambda e: [e.id, e.occurred_at, e.grading, e.organisation.name,
                                       intelligence.shown_text(e) if not e.restricted
                                       else "(C-coded: open the entry to read it)"])
    page = paginate(query)
    intelligence.listed(page.items, acting_user(), "intelligence list")
    return render_template("records/intelligence_list.html", page=page, codes=HANDLING_CODES,
                           evaluations=SOURCE_EVALUATIONS, assessments=INTELLIGENCE_ASSESSMENTS,
                           shown_text=intelligence.shown_text)


@bp.route("/intelligence/new", methods=["GET", "POST"])
def intelligence_new():
    """Record graded intelligence about people, vehicles and premises."""
    form = IntelligenceForm(organisation=current_user.organisation, person_ids=request.args.get("person"),
                            vehicle_ids=request.args.get("vehicle"), premises_ids=request.args.get("premises"))
    if form.validate_on_submit():
        entry = _save(form, lambda: intelligence.create_entry(
            acting_user(), text=form.text.data, source_evaluation=form.source_evaluation.data,
            intelligence_assessment=form.intelligence_assessment.data, handling_code=form.handling_code.data,
            handling_conditions=form.handling_conditions.data or "",
            organisation_ids=form.handling_organisation_ids.data or [],
            occurred_at=london_to_utc(form.occurred_at.data), place_address=form.place_address.data or "",
            place_postcode=form.place_postcode.data or None, person_ids=form.people, vehicle_ids=form.vehicles,
            premises_ids=form.premises))
        if entry:
            flash(f"Recorded intelligence entry {entry.id}, graded {entry.grading}.", "success")
            return redirect(url_for("records.intelligence_entry", entry_id=entry.id))
    return render_template("records/intelligence_form.html", form=form)


def _entry_page(entry, reason):
    intelligence.read(entry, acting_user(), reason)
    linked = [(kind, record, links.connection_lists(kind, record, acting_user()))
              for kind, record in intelligence.linked_records(entry)]
    intelligence.listed([i for _, _, found in linked for i in links.entries_used(found)], acting_user(),
                        f"connections on entry {entry.id} page")
    return render_template("records/intelligence_entry.html", entry=entry, linked=linked,
                           evaluations=SOURCE_EVALUATIONS, assessments=INTELLIGENCE_ASSESSMENTS,
                           codes=HANDLING_CODES, link_url=links.record_url)


@bp.route("/intelligence/<int:entry_id>")
def intelligence_entry(entry_id):
    """Show an entry and what the records it names connect to; a C-coded entry first asks for a reason."""
    entry = _visible_entry(entry_id)
    if intelligence.needs_reason(entry, acting_user()):
        return render_template("records/intelligence_reason.html", entry=entry, form=ReasonForm())
    return _entry_page(entry, None)


@bp.route("/intelligence/<int:entry_id>/open", methods=["POST"])
def intelligence_open(entry_id):
    """Open a C-coded entry with the reason you need it; the read is audited with that reason."""
    entry = _visible_entry(entry_id)
    if not intelligence.needs_reason(entry, acting_user()):
        return redirect(url_for("records.intelligence_entry", entry_id=entry.id))
    form = ReasonForm()
    if not form.validate_on_submit():
        return render_template("records/intelligence_reason.html", entry=entry, form=form)
    return _entry_page(entry, form.reason.data)


# -- a record's connections, one list at a time, and the network view

def _connections_page(record_type, record):
    """One list of the record's derived connections (?list=, the first it has unless given), a page at a time."""
    titles = links.list_titles(record_type)
    key = request.args.get("list") or titles[0][0]
    page = max(1, request.args.get("page", 1, type=int))
    per_page = current_app.config["PER_PAGE"]
    found = links.connection_list(record_type, record, acting_user(), key, (page - 1) * per_page, per_page) \
        or abort(404)
    if page > 1 and not found.connections:  # past the end (the list has shrunk, or the address was edited)
        return redirect(url_for(request.endpoint, **request.view_args, list=key))
    audit.record("connections.view", record, user=acting_user(), reason=key)
    intelligence.listed(links.entries_used([found]), acting_user(), f"{key} of {record_type} {record.id}")
    return render_template("records/connections.html", record=record, record_type=record_type, found=found,
                           titles=titles, page=Page(found.connections, page, per_page, found.total),
                           record_url=links.record_url(record_type, record.id), link_url=links.record_url)


@bp.route("/records/people/<int:person_id>/connections")
def person_connections(person_id):
    """List one kind of the person's derived connections in full, a page at a time."""
    return _connections_page("person", get_object_or_404(Person, Person.id == person_id))


@bp.route("/records/vehicles/<int:vehicle_id>/connections")
def vehicle_connections(vehicle_id):
    """List one kind of the vehicle's derived connections in full, a page at a time."""
    return _connections_page("vehicle", get_object_or_404(Vehicle, Vehicle.id == vehicle_id))


@bp.route("/records/premises/<int:premises_id>/connections")
def premises_connections(premises_id):
    """List one kind of the premises' derived connections in full, a page at a time."""
    return _connections_page("premises", get_object_or_404(Premises, Premises.id == premises_id))


def _network_page(record_type, record):
    data = links.network(record_type, record, acting_user())
    audit.record("network.view", record, user=acting_user())
    intelligence.listed(data.pop("entries"), acting_user(), f"network of {record_type} {record.id}")
    return render_template("records/network.html", record=record, record_type=record_type, data=data,
                           record_url=links.record_url(record_type, record.id))


@bp.route("/records/people/<int:person_id>/network")
def person_network(person_id):
    """Draw the person's neighbourhood to depth 2."""
    return _network_page("person", get_object_or_404(Person, Person.id == person_id))


@bp.route("/records/vehicles/<int:vehicle_id>/network")
def vehicle_network(vehicle_id):
    """Draw the vehicle's neighbourhood to depth 2."""
    return _network_page("vehicle", get_object_or_404(Vehicle, Vehicle.id == vehicle_id))


@bp.route("/records/premises/<int:premises_id>/network")
def premises_network(premises_id):
    """Draw the premises' neighbourhood to depth 2."""
    return _network_page("premises", get_object_or_404(Premises, Premises.id == premises_id))


@bp.route("/vendor/vis-network.min.js")
def vis_network_js():
    """Serve vis-network's script from the installed pyvis package."""
    return send_from_directory(VIS_NETWORK, "vis-network.min.js", max_age=86400)


@bp.route("/vendor/vis-network.css")
def vis_network_css():
    """Serve vis-network's stylesheet from the installed pyvis package."""
    return send_from_directory(VIS_NETWORK, "vis-network.css", max_age=86400)
