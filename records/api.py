"""People, vehicles and premises in the JSON API (SPEC §5.1)."""
from flask import Blueprint, jsonify
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from core.apifields import Fields
from core.web import json_body
from records import workflow
from records.models import PREMISES_TYPES, Person, Premises, PremisesPerson

bp = Blueprint("records_api", __name__, url_prefix="/api/v1")


def person_json(person):
    return {"id": person.id, "name": person.name, "aliases": person.alias_list,
            "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None}


def vehicle_json(vehicle):
    return {"id": vehicle.id, "registration": vehicle.registration, "make": vehicle.make, "model": vehicle.model,
            "colour": vehicle.colour}


def premises_json(premises):
    people = (PremisesPerson.select(PremisesPerson, Person).join(Person)
              .where(PremisesPerson.premises == premises).order_by(PremisesPerson.role, Person.name))
    return {"id": premises.id, "name": premises.name, "type": premises.type, "address": premises.address,
            "postcode": premises.postcode, "location": premises.location,
            "people": [{"person_id": link.person.id, "name": link.person.name, "role": link.role} for link in people]}


def _created(body):
    response = jsonify(body)
    response.status_code = 201
    return response


def _aliases(fields):
    value = fields.body.get("aliases")
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(alias, str) and alias.strip() for alias in value):
        fields.fail("aliases", "Give a list of names, each some text.")
        return []
    if any("\n" in alias or "\r" in alias for alias in value):
        fields.fail("aliases", "Give each alias as its own item, on one line.")
        return []
    return value


def _also(fields, name, problem):
    """Add a domain check's message for name unless reading the field already failed."""
    if problem and name not in fields.errors:
        fields.fail(name, problem)


@bp.route("/people", methods=["POST"])
def person_create():
    """Add a person: {name, date_of_birth?, aliases?: [..]}."""
    fields = Fields(json_body())
    name = fields.text("name", max_length=200)
    date_of_birth = fields.date("date_of_birth")
    aliases = _aliases(fields)
    _also(fields, "date_of_birth", workflow.date_of_birth_problem(date_of_birth))
    _also(fields, "aliases", workflow.alias_problem(aliases))
    fields.check()
    person = workflow.create_person(current_user._get_current_object(), name, date_of_birth, aliases)
    return _created(person_json(person))


@bp.route("/vehicles", methods=["POST"])
def vehicle_create():
    """Add a vehicle: {registration, make?, model?, colour?}; a registration already recorded is a 422."""
    fields = Fields(json_body())
    registration = fields.text("registration", max_length=12)
    make = fields.text("make", required=False, max_length=60)
    model = fields.text("model", required=False, max_length=60)
    colour = fields.text("colour", required=False, max_length=30)
    if registration:
        _also(fields, "registration", workflow.registration_problem(registration))
    fields.check()
    vehicle = workflow.create_vehicle(current_user._get_current_object(), registration, make, model, colour)
    return _created(vehicle_json(vehicle))


@bp.route("/premises", methods=["POST"])
def premises_create():
    """Add premises: {name, type, address, postcode?}; location is null until geocoded."""
    fields = Fields(json_body())
    name = fields.text("name", max_length=200)
    type = fields.choice("type", PREMISES_TYPES)
    address = fields.text("address", max_length=1000)
    postcode = fields.text("postcode", required=False, max_length=10)
    _also(fields, "postcode", workflow.postcode_problem(postcode))
    fields.check()
    premises = workflow.create_premises(current_user._get_current_object(), name, type, address, postcode)
    return _created(premises_json(premises))


@bp.route("/premises/<int:premises_id>")
def premises_get(premises_id):
    """Return premises with their location (null until geocoded) and owners and operators."""
    return jsonify(premises_json(get_object_or_404(Premises, Premises.id == premises_id)))
