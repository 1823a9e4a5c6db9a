"""Pages for people, vehicles and premises: search, records and their links."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from core import audit
from core.errors import Invalid
from core.navigation import nav_link
from core.web import Page, paginate
from records import normalise, workflow
from records.forms import PersonForm, PremisesForm, PremisesLinkForm, VehicleForm
from records.models import PREMISES_ROLES, Person, Premises, PremisesPerson, Vehicle

bp = Blueprint("records", __name__)

nav_link("records.search", "Search")

# Each section of the search page: its heading, its search, and how many the overview shows.
SECTIONS = {"people": ("People", Person.search), "vehicles": ("Vehicles", Vehicle.search),
            "premises": ("Premises", Premises.search)}
OVERVIEW = 10


def _me():
    return current_user._get_current_object()


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
            _me(), form.name.data, form.date_of_birth.data, form.alias_list))
        if person:
            flash(f"Added {person.name}.", "success")
            return redirect(url_for("records.person", person_id=person.id))
    return render_template("records/form.html", form=form, title="Add a person")


@bp.route("/records/people/<int:person_id>")
def person(person_id):
    """Show a person: aliases, date of birth, premises and licences. Every opening is audited."""
    person = get_object_or_404(Person, Person.id == person_id)
    audit.record("person.view", person, user=_me())
    links = (PremisesPerson.select(PremisesPerson, Premises).join(Premises)
             .where(PremisesPerson.person == person).order_by(Premises.name, PremisesPerson.role))
    return render_template("records/person.html", person=person, links=links, roles=PREMISES_ROLES)


@bp.route("/records/vehicles/new", methods=["GET", "POST"])
def vehicle_new():
    """Add a vehicle; its registration is normalised and must not be recorded already."""
    form = VehicleForm(registration=request.args.get("registration"))
    if form.validate_on_submit():
        vehicle = _save(form, lambda: workflow.create_vehicle(
            _me(), form.registration.data, form.make.data, form.model.data, form.colour.data))
        if vehicle:
            flash(f"Added {vehicle.registration}.", "success")
            return redirect(url_for("records.vehicle", vehicle_id=vehicle.id))
        form.existing = workflow.existing_vehicle(form.registration.data)
    return render_template("records/form.html", form=form, title="Add a vehicle", existing=form.existing)


@bp.route("/records/vehicles/<int:vehicle_id>")
def vehicle(vehicle_id):
    """Show a vehicle and the licences it is on."""
    return render_template("records/vehicle.html", vehicle=get_object_or_404(Vehicle, Vehicle.id == vehicle_id))


@bp.route("/records/premises/new", methods=["GET", "POST"])
def premises_new():
    """Add premises: name, type, address and postcode."""
    form = PremisesForm()
    if form.validate_on_submit():
        premises = _save(form, lambda: workflow.create_premises(
            _me(), form.name.data, form.type.data, form.address.data, form.postcode.data))
        if premises:
            flash(f"Added {premises.name}.", "success")
            return redirect(url_for("records.premises", premises_id=premises.id))
    return render_template("records/form.html", form=form, title="Add premises")


def _premises_page(premises, link_form):
    people = (PremisesPerson.select(PremisesPerson, Person).join(Person)
              .where(PremisesPerson.premises == premises).order_by(PremisesPerson.role, Person.name))
    return render_template("records/premises.html", premises=premises, people=people, link_form=link_form,
                           roles=PREMISES_ROLES)


@bp.route("/records/premises/<int:premises_id>")
def premises(premises_id):
    """Show premises: address, location, owners and operators."""
    premises = get_object_or_404(Premises, Premises.id == premises_id)
    return _premises_page(premises, PremisesLinkForm())


@bp.route("/records/premises/<int:premises_id>/people", methods=["POST"])
def premises_link(premises_id):
    """Link a person to premises as owner or operator."""
    premises = get_object_or_404(Premises, Premises.id == premises_id)
    form = PremisesLinkForm()
    if form.validate_on_submit() and _save(form, lambda: workflow.link_person(
            _me(), premises, form.person, form.role.data)):
        flash(f"Linked {form.person.name} as {PREMISES_ROLES[form.role.data].lower()}.", "success")
        return redirect(url_for("records.premises", premises_id=premises.id))
    return _premises_page(premises, form)
