"""People, vehicles, premises and intelligence in the JSON API (SPEC §5.1)."""
from datetime import datetime, timezone

from flask import Blueprint, jsonify, request
from playhouse.flask_utils import get_object_or_404

from core.auth import acting_user
from core.apifields import Fields
from core.errors import Invalid
from core.timeutil import isoformat_utc, london_to_utc
from core.web import api_error, api_list, json_body, paginate
from records import intelligence, workflow
from records.models import HANDLING_CODES, INTELLIGENCE_ASSESSMENTS, PREMISES_TYPES, Person, Premises, PremisesPerson

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
    person = workflow.create_person(acting_user(), name, date_of_birth, aliases)
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
    vehicle = workflow.create_vehicle(acting_user(), registration, make, model, colour)
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
    premises = workflow.create_premises(acting_user(), name, type, address, postcode)
    return _created(premises_json(premises))


@bp.route("/premises/<int:premises_id>")
def premises_get(premises_id):
    """Return premises with their location (null until geocoded) and owners and operators."""
    return jsonify(premises_json(get_object_or_404(Premises, Premises.id == premises_id)))


# -- intelligence

def entry_json(entry, full=True, linked=None, recipients=None):
    """An entry as the API shows it; full=False (a C-coded entry in a list) leaves out the text and conditions,
    which are read one entry at a time, with a reason. A list passes linked and recipients, read for its whole
    page at once (intelligence.linked_ids, recipient_ids)."""
    if linked is None:
        linked = intelligence.linked_ids([entry.id])[entry.id]
    if recipients is None:
        recipients = intelligence.recipient_ids([entry.id])[entry.id] if full else []
    return {"id": entry.id, "source_evaluation": entry.source_evaluation,
            "intelligence_assessment": entry.intelligence_assessment, "handling_code": entry.handling_code,
            "grading": entry.grading, "occurred_at": isoformat_utc(entry.occurred_at),
            "created_at": isoformat_utc(entry.created_at), "organisation_id": entry.organisation_id,
            "text": entry.text if full else None,
            "handling_conditions": entry.handling_conditions if full else None,
            "handling_organisation_ids": recipients if full else None,
            "place": {"address": entry.place_address, "postcode": entry.place_postcode} if full else None,
            **({field: linked[field] for field in intelligence.LINKED} if full
               else {field: [] for field in intelligence.LINKED})}


def _occurred_at(fields):
    """An ISO 8601 date and time: with Z or an offset as given, without one as London wall-clock time."""
    if fields._missing("occurred_at", True):
        return None
    try:
        value = datetime.fromisoformat(fields.body["occurred_at"])
    except (TypeError, ValueError):
        fields.fail("occurred_at", "Use an ISO 8601 date and time, for example 2026-11-22T14:05:00Z.")
        return None
    if value.tzinfo is None:
        return london_to_utc(value)
    return value.astimezone(timezone.utc).replace(tzinfo=None)


@bp.route("/intelligence", methods=["POST"])
def intelligence_create():
    """Record intelligence: {text, source_evaluation, intelligence_assessment, handling_code, handling_conditions?,
    handling_organisation_ids?, occurred_at, place_address?, place_postcode?, person_ids?, vehicle_ids?,
    premises_ids?}; 422 lists every bad field."""
    fields = Fields(json_body())
    values = {"text": fields.text("text", max_length=intelligence.MAX_TEXT),
              "source_evaluation": fields.integer("source_evaluation"),
              "intelligence_assessment": fields.choice("intelligence_assessment", INTELLIGENCE_ASSESSMENTS),
              "handling_code": fields.choice("handling_code", HANDLING_CODES),
              "handling_conditions": fields.text("handling_conditions", required=False, max_length=2000) or "",
              "organisation_ids": fields.integers("handling_organisation_ids"),
              "occurred_at": _occurred_at(fields),
              "place_address": fields.text("place_address", required=False, max_length=1000) or "",
              "place_postcode": fields.text("place_postcode", required=False, max_length=10),
              "person_ids": fields.integers("person_ids"), "vehicle_ids": fields.integers("vehicle_ids"),
              "premises_ids": fields.integers("premises_ids")}
    if fields.errors:
        # Report the domain's problems with the rest too, so one 422 lists every bad field.
        found = intelligence.problems(values["text"], values["source_evaluation"],
                                      values["intelligence_assessment"], values["handling_code"],
                                      values["handling_conditions"], values["organisation_ids"],
                                      values["occurred_at"], values["place_postcode"],
                                      {k: values[k] for k in intelligence.LINKED})
    else:
        try:
            return _created(entry_json(intelligence.create_entry(acting_user(), **values)))
        except Invalid as error:  # create_entry checks the entry (intelligence.problems) once
            found = error.fields
    for name, message in found.items():
        _also(fields, name, message)
    fields.check()


@bp.route("/intelligence")
def intelligence_list():
    """List the intelligence the caller may see (C-coded entries without their text), newest event first."""
    me = acting_user()
    page = paginate(intelligence.search(me, q=request.args.get("q") or None))
    intelligence.listed(page.items, me, "API list")
    shown = [entry.id for entry in page.items if not entry.restricted]
    linked, recipients = intelligence.linked_ids(shown), intelligence.recipient_ids(shown)
    return api_list(page, lambda entry: entry_json(entry, full=not entry.restricted, linked=linked.get(entry.id),
                                                   recipients=recipients.get(entry.id)))


@bp.route("/intelligence/<int:entry_id>")
def intelligence_get(entry_id):
    """Read one entry; a C-coded entry needs ?reason= (audited with the read). 404 for an entry the caller's
    handling rules do not allow, as for one that does not exist."""
    me = acting_user()
    entry = intelligence.visible(entry_id, me)
    if entry is None:
        return api_error(404, "not_found", "No intelligence entry you may read has this id.")
    try:
        intelligence.read(entry, me, request.args.get("reason"), where="API")
    except intelligence.ReasonRequired:
        return api_error(422, "invalid", "A C-coded entry is read with a reason.",
                         {"reason": "Give ?reason= saying why you need to read this entry."})
    return jsonify(entry_json(entry))
