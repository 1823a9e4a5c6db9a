"""Licensing in the JSON API (SPEC §5.1): licences, flags, recommendations and decisions."""
from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from core.auth import acting_user
from core import audit
from core.apifields import Fields
from core.models import Organisation
from core.timeutil import isoformat_utc
from core.web import api_error, api_list, json_body, paginate
from core.workdays import add_working_days
from followups.models import FollowUp
from licensing import workflow
from licensing.models import (FLAG_CATEGORIES, LICENCE_ACTIONS, LICENCE_KINDS, LICENCE_STATUSES, OUTCOMES,
                              RECOMMENDATION_ACTIONS, Flag, Licence, LicenceEvent, Recommendation, sees_concerns)
from records.models import Person, Vehicle

bp = Blueprint("licensing_api", __name__, url_prefix="/api/v1")

# A new licence enters the register as an application or an existing grant; later states come by workflow.
NEW_LICENCE_STATUSES = ("applied", "granted")


def _date(value):
    return value.isoformat() if value else None


def licence_json(licence, full=False, concerns=True):
    """A licence; full adds conditions, DBS, flags and history. Flags only for those who see concerns."""
    answer = {"id": licence.id, "kind": licence.kind, "number": licence.number, "status": licence.status,
              "holder": {"id": licence.holder.id, "name": licence.holder.name},
              "authority": {"id": licence.authority.id, "name": licence.authority.name},
              "granted_on": _date(licence.granted_on), "expires_on": _date(licence.expires_on),
              "vehicle": ({"id": licence.vehicle.id, "registration": licence.vehicle.registration}
                          if licence.vehicle_id else None)}
    if full:
        flags = licence.flags.order_by(Flag.raised_at) if concerns else []
        answer.update(
            conditions=licence.conditions, dbs_checked_on=_date(licence.dbs_checked_on),
            dbs_update_service=licence.dbs_update_service,
            flags=[{"id": f.id, "category": f.category, "status": f.status, "source_id": f.source_id,
                    "raised_at": isoformat_utc(f.raised_at)} for f in flags],
            history=[{"from_status": e.from_status, "to_status": e.to_status, "reason": e.reason,
                      "user_id": e.user_id, "at": isoformat_utc(e.at)}
                     for e in licence.history.order_by(LicenceEvent.at, LicenceEvent.id)])
    return answer


def decision_json(decision):
    return {"id": decision.id, "outcome": decision.outcome, "licence_action": decision.licence_action,
            "reasons": decision.reasons, "decided_at": isoformat_utc(decision.decided_at)}


def recommendation_json(recommendation):
    decision = recommendation.decision
    return {"id": recommendation.id, "licence_id": recommendation.licence_id, "action": recommendation.action,
            "grounds": recommendation.grounds, "organisation_id": recommendation.organisation_id,
            "status": "decided" if decision else "open", "due_on": _date(recommendation.due_on),
            "notify_organisation_ids": [p.organisation_id for p in recommendation.partners],
            "decision": decision_json(decision) if decision else None,
            "deliveries": [{"organisation_id": f.recipient_id, "kind": f.kind, "status": f.status,
                            "delivered_at": isoformat_utc(f.delivered_at),
                            "acknowledged_at": isoformat_utc(f.acknowledged_at)}
                           for f in FollowUp.about("recommendation", recommendation.id)]}


@bp.route("/licences", methods=["POST"])
def licence_create():
    """Add a licence to the caller's own authority's register."""
    fields = Fields(json_body())
    kind = fields.choice("kind", LICENCE_KINDS)
    number = fields.text("number", max_length=40)
    holder_id = fields.integer("holder_id")
    authority_id = fields.integer("authority_id")
    status = fields.choice("status", NEW_LICENCE_STATUSES, required=False, default="applied")
    granted_on, expires_on = fields.date("granted_on"), fields.date("expires_on")
    vehicle_id = fields.integer("vehicle_id", required=False)
    if holder_id is not None and Person.get_or_none(Person.id == holder_id) is None:
        fields.fail("holder_id", "No person has this id.")
    if vehicle_id is not None and Vehicle.get_or_none(Vehicle.id == vehicle_id) is None:
        fields.fail("vehicle_id", "No vehicle has this id.")
    if granted_on and expires_on and expires_on <= granted_on:
        fields.fail("expires_on", "The expiry date must be after the grant date.")
    if number and authority_id and Licence.select().where(
            (Licence.authority == authority_id) & (Licence.number == number.upper())).exists():
        fields.fail("number", "Your authority already has a licence with this number.")
    fields.check()
    if authority_id != current_user.organisation_id:
        return api_error(403, "forbidden", "You can add licences only to your own authority's register.")
    licence = workflow.create_licence(acting_user(), kind=kind, number=number.upper(), holder=holder_id,
                                      authority=authority_id, status=status, granted_on=granted_on,
                                      expires_on=expires_on, vehicle=vehicle_id)
    return jsonify(licence_json(licence, full=True)), 201


@bp.route("/licences")
def licence_list():
    """Search licences by holder name, licence number or registration; filter by status or open flags."""
    status = request.args.get("status") or None
    if status and status not in LICENCE_STATUSES:
        return api_error(422, "invalid", "Unknown status.", {"status": "Use one of: " + ", ".join(LICENCE_STATUSES)})
    flagged = request.args.get("flagged")
    if flagged not in (None, "true", "false"):
        return api_error(422, "invalid", "flagged must be true or false.", {"flagged": "Use true or false."})
    q = request.args.get("q") or None
    query = Licence.search_for(current_user, q=q, status=status, flagged=True if flagged == "true" else None)
    if q:
        audit.record("licence.search", reason=q)
    return api_list(paginate(query), licence_json)


@bp.route("/licences/<int:licence_id>")
def licence_get(licence_id):
    """One licence with its flags and history (an audited read)."""
    licence = get_object_or_404(Licence, Licence.id == licence_id)
    audit.record("licence.read", licence)
    return jsonify(licence_json(licence, full=True, concerns=sees_concerns(current_user, licence)))


@bp.route("/licences/<int:licence_id>/flags", methods=["POST"])
def flag_create(licence_id):
    """Flag a concern about a licence; it enters the issuing authority's review queue at once."""
    licence = get_object_or_404(Licence, Licence.id == licence_id)
    fields = Fields(json_body())
    category = fields.choice("category", FLAG_CATEGORIES)
    summary = fields.text("summary", max_length=5000)
    fields.check()
    flag = workflow.raise_flag(licence, category, summary, acting_user())
    return jsonify(id=flag.id, status=flag.status, licence_id=licence.id, category=flag.category), 201


@bp.route("/recommendations", methods=["POST"])
def recommendation_create():
    """Recommend an action on a licence and name the partners to be told of the outcome."""
    fields = Fields(json_body())
    licence_id = fields.integer("licence_id")
    action = fields.choice("action", RECOMMENDATION_ACTIONS)
    grounds = fields.text("grounds", max_length=10000)
    partners = fields.integers("notify_organisation_ids")
    due_on = fields.date("due_on")
    licence = Licence.get_or_none(Licence.id == licence_id) if licence_id is not None else None
    if licence_id is not None and licence is None:
        fields.fail("licence_id", "No licence has this id.")
    unknown = set(partners) - {o.id for o in Organisation.select(Organisation.id).where(
        Organisation.id.in_(partners) & Organisation.active)}
    if unknown:
        fields.fail("notify_organisation_ids", "No active organisation has id(s) "
                    + ", ".join(map(str, sorted(unknown))) + ".")
    if due_on and due_on <= workflow.today():
        fields.fail("due_on", "The due date must be in the future.")
    fields.check()
    recommendation = workflow.recommend(
        licence, action, grounds, partners, acting_user(),
        due_on=due_on or add_working_days(workflow.today(), current_app.config["RECOMMENDATION_DUE_WORKING_DAYS"]))
    return jsonify(recommendation_json(recommendation)), 201


@bp.route("/recommendations/<int:recommendation_id>")
def recommendation_get(recommendation_id):
    """A recommendation with its decision and every delivery and acknowledgement of the outcome."""
    recommendation = get_object_or_404(Recommendation, Recommendation.id == recommendation_id)
    if not sees_concerns(current_user, recommendation.licence):
        return api_error(403, "forbidden", "Only the issuing authority, police and the specialist team see this.")
    audit.record("recommendation.read", recommendation)
    return jsonify(recommendation_json(recommendation))


@bp.route("/recommendations/<int:recommendation_id>/decision", methods=["POST"])
def decision_create(recommendation_id):
    """Record the authority's decision; 409 if the recommendation is already decided."""
    recommendation = get_object_or_404(Recommendation, Recommendation.id == recommendation_id)
    if recommendation.licence.authority_id != current_user.organisation_id:
        return api_error(403, "forbidden", "Only the issuing authority decides on its licences.")
    fields = Fields(json_body())
    outcome = fields.choice("outcome", OUTCOMES)
    licence_action = fields.choice("licence_action", LICENCE_ACTIONS)
    reasons = fields.text("reasons", max_length=10000)
    fields.check()
    decision = workflow.decide(recommendation, outcome, licence_action, reasons, acting_user())
    return jsonify(decision_json(decision)), 201
