"""Disruption in the JSON API (SPEC §5.1): the tactic catalogue, operations, and planning and updating actions."""
from flask import Blueprint, jsonify
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from core.auth import acting_user
from core.apifields import Fields
from core.db import db
from core.models import User
from core.timeutil import isoformat_utc
from core.web import api_error, json_body
from disruption import workflow
from disruption.models import ACTION_STATUSES, TARGET_KINDS, DisruptionAction, Operation, Tactic, visible_review
from licensing.models import RECOMMENDATION_ACTIONS, Licence
from records.models import Person, Premises, Vehicle

bp = Blueprint("disruption_api", __name__, url_prefix="/api/v1")

RECORDS = {"person": Person, "premises": Premises, "vehicle": Vehicle}


def _date(value):
    return value.isoformat() if value else None


def tactic_json(tactic):
    return {"code": tactic.code, "name": tactic.name, "legal_basis": tactic.legal_basis,
            "target_kinds": tactic.kinds, "applied_by": tactic.appliers,
            "max_duration_months": tactic.max_duration_months, "max_duration_days": tactic.max_duration_days,
            "min_duration_days": tactic.min_duration_days, "court_involved": tactic.court_involved}


def operation_json(operation):
    return {"id": operation.id, "name": operation.name, "objective": operation.objective,
            "lead": {"id": operation.lead.id, "name": operation.lead.name}, "status": operation.status,
            "starts_on": _date(operation.starts_on), "ends_on": _date(operation.ends_on)}


def action_json(action, user):
    target = action.target
    recommendation, decision = visible_review(action, user) or (None, None)
    return {"id": action.id, "status": action.status, "operation_id": action.operation_id,
            "tactic_code": action.tactic.code, "target_type": target.kind, "target_id": target.record_id,
            "target": {"label": target.label, "lat": target.lat, "lon": target.lon} if target.kind == "place"
            else {"label": target.label}, "owner_id": action.owner_id,
            "owner_organisation_id": action.owner_organisation_id, "due_on": _date(action.due_on),
            "starts_on": _date(action.starts_on), "expires_on": _date(action.expires_on), "outcome": action.outcome,
            "completed_at": isoformat_utc(action.completed_at),
            "recommendation": {"id": recommendation.id, "status": recommendation.status,
                               "outcome": decision.outcome if decision else None} if recommendation else None}


@bp.route("/tactics")
def tactic_list():
    """The tactic catalogue, as a plain list (it is short)."""
    return jsonify([tactic_json(t) for t in Tactic.select().order_by(Tactic.name)])


@bp.route("/operations", methods=["POST"])
def operation_create():
    """Open an operation led by the caller's organisation."""
    fields = Fields(json_body())
    name = fields.text("name", max_length=200)
    objective = fields.text("objective", max_length=5000)
    starts_on = fields.date("starts_on", required=True)
    ends_on = fields.date("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        fields.fail("ends_on", "The operation cannot end before it starts.")
    fields.check()
    operation = workflow.create_operation(acting_user(), name, objective, starts_on, ends_on)
    return jsonify(operation_json(operation)), 201


def _number(fields, name):
    value = fields.body.get(name)
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        fields.fail(name, "Give a number.")
        return None
    return float(value)


def _target_fields(fields, kind):
    """(record, place) the body names as the target: a person, premises or vehicle by target_id, or a place."""
    if kind in RECORDS:
        target_id = fields.integer("target_id")
        record = RECORDS[kind].get_or_none(RECORDS[kind].id == target_id) if target_id is not None else None
        if target_id is not None and record is None:
            fields.fail("target_id", f"No {kind} has this id.")
        return record, {}
    if kind == "place":
        return None, {"lat": _number(fields, "lat"), "lon": _number(fields, "lon"),
                      "description": fields.text("description", max_length=200)}
    return None, {}


@bp.route("/operations/<int:operation_id>/actions", methods=["POST"])
def action_create(operation_id):
    """Plan an action: a tactic from the catalogue against a person, premises, vehicle or place (lat, lon,
    description); a licence review also takes licence_id, recommendation_action and grounds."""
    operation = get_object_or_404(Operation, Operation.id == operation_id)
    fields = Fields(json_body())
    code = fields.text("tactic_code", max_length=40)
    kind = fields.choice("target_type", TARGET_KINDS)
    owner_id = fields.integer("owner_id", required=False)
    due_on, starts_on, expires_on = fields.date("due_on"), fields.date("starts_on"), fields.date("expires_on")
    notes = fields.text("notes", required=False, max_length=5000) or ""
    tactic = Tactic.get_or_none(Tactic.code == code) if code else None
    if code and tactic is None:
        fields.fail("tactic_code", "No tactic in the catalogue has this code (see GET /api/v1/tactics).")
    record, place = _target_fields(fields, kind)
    owner = User.get_or_none(User.id == owner_id) if owner_id is not None else None
    if owner_id is not None and owner is None:
        fields.fail("owner_id", "No user has this id.")
    licence_id = fields.integer("licence_id", required=False)
    licence = Licence.get_or_none(Licence.id == licence_id) if licence_id is not None else None
    if licence_id is not None and licence is None:
        fields.fail("licence_id", "No licence has this id.")
    recommendation_action = fields.choice("recommendation_action", RECOMMENDATION_ACTIONS, required=False)
    grounds = fields.text("grounds", required=False, max_length=10000)
    fields.check()
    with db.atomic():  # a refused plan leaves no new target behind
        target = workflow.add_target(operation, kind, acting_user(), record=record, **place)
        action = workflow.plan_action(operation, target, tactic, acting_user(), owner=owner, due_on=due_on,
                                      starts_on=starts_on, expires_on=expires_on, notes=notes, licence=licence,
                                      recommendation_action=recommendation_action, grounds=grounds)
    return jsonify(action_json(action, acting_user())), 201


@bp.route("/actions/<int:action_id>", methods=["PATCH"])
def action_update(action_id):
    """Move an action on (409 for a step the workflow forbids), record its outcome, or change its dates."""
    action = get_object_or_404(DisruptionAction, DisruptionAction.id == action_id)
    if not workflow.can_update(action, current_user):
        return api_error(403, "forbidden", "Only the lead organisation's police or specialists, or the owner's "
                                           "organisation, may update this action.")
    body = json_body()
    fields = Fields(body)
    status = fields.choice("status", ACTION_STATUSES, required=False)
    outcome = fields.text("outcome", required=False, max_length=10000)
    dates = {name: fields.date(name) for name in ("due_on", "starts_on", "expires_on") if name in body}
    if not ({"status", "outcome"} & set(body) or dates):
        fields.fail("body", "Send at least one of: status, outcome, due_on, starts_on, expires_on.")
    fields.check()
    # One transaction: a refused step (409) or a bad period (422) leaves the action as it was. A status equal to
    # the current one goes through the workflow too, which refuses it (409) rather than ignoring it.
    with db.atomic():
        workflow.update_action(action, acting_user(), **dates)
        if status:
            workflow.change_action_status(action, status, acting_user(), outcome=outcome)
        elif outcome:
            workflow.update_action(action, acting_user(), outcome=outcome)
    return jsonify(action_json(DisruptionAction.get_by_id(action.id), acting_user()))
