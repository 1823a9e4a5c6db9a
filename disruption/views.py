"""Pages for disruption: the tactic catalogue, operations and their board, targets, the tactics considered, actions."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from peewee import fn

from core.auth import acting_user
from core import audit
from core.errors import Invalid, WorkflowError
from core.forms import ConfirmForm
from core.home import Panel, home_panel
from core.models import Organisation, User
from core.navigation import nav_link
from core.timeutil import to_local
from core.web import csv_response, paginate, wants_csv
from disruption import workflow
from disruption.workflow import can_plan, can_update, is_lead
from disruption.forms import (ActionDatesForm, ActionForm, ActionStatusForm, OperationForm, OperationStatusForm,
                              RuleOutForm, TacticForm, TargetForm)
from disruption.models import (ACTION_STATUSES, CONSIDERED_STATES, OPEN_STATUSES, ActionEvent, DisruptionAction,
                               Operation, OperationTarget, Tactic, action_counts, board_actions, board_targets,
                               tactics_considered, visible_review)
from licensing.models import Licence

bp = Blueprint("disruption", __name__)

nav_link("disruption.operations", "Operations")
nav_link("disruption.tactics", "Tactics")

RECORD_ENDPOINTS = {"person": ("records.person", "person_id"), "premises": ("records.premises", "premises_id"),
                    "vehicle": ("records.vehicle", "vehicle_id")}


def record_url(target):
    if target.kind not in RECORD_ENDPOINTS:
        return None
    endpoint, argument = RECORD_ENDPOINTS[target.kind]
    return url_for(endpoint, **{argument: target.record_id})


def _visible_operation(operation_id):
    """An operation the current user may see (404 if none, 403 if not theirs to see)."""
    operation = get_object_or_404(Operation, Operation.id == operation_id)
    if not Operation.visible_to(current_user).where(Operation.id == operation.id).exists():
        abort(403)
    return operation


def _flash_invalid(error):
    for message in error.fields.values():
        flash(message, "danger")


@home_panel("police", "specialist", "licensing_officer")
def actions_panel(user):
    actions = (DisruptionAction.select().where((DisruptionAction.owner_organisation == user.organisation_id)
                                               & DisruptionAction.status.in_(OPEN_STATUSES))
               .order_by(DisruptionAction.due_on.asc(nulls="LAST"), DisruptionAction.id).limit(10))
    return Panel(title="Disruption actions your organisation owns",
                 items=[(f"{a.tactic.name}: {a.target.label}" + (f", due {a.due_on:%d %b %Y}" if a.due_on else ""),
                         url_for("disruption.action", action_id=a.id)) for a in actions],
                 empty="Your organisation owns no open disruption action.")


# -- the catalogue -----------------------------------------------------------------------------------------------

@bp.route("/disruption/tactics")
def tactics():
    """List the tactic catalogue: legal basis, targets, who applies it, limits."""
    return render_template("disruption/tactics.html", tactics=Tactic.select().order_by(Tactic.name),
                           delete_form=ConfirmForm())


@bp.route("/disruption/tactics/new", methods=["GET", "POST"])
def tactic_new():
    """Add a tactic to the catalogue."""
    form = TacticForm()
    if form.validate_on_submit():
        tactic = Tactic()
        _fill_tactic(tactic, form)
        workflow.save_tactic(tactic, acting_user())
        flash(f"Added '{tactic.name}' to the catalogue.", "success")
        return redirect(url_for("disruption.tactics"))
    return render_template("disruption/form.html", form=form, title="Add a tactic",
                           back=url_for("disruption.tactics"))


@bp.route("/disruption/tactics/<int:tactic_id>/edit", methods=["GET", "POST"])
def tactic_edit(tactic_id):
    """Change a tactic's wording, targets or limits."""
    tactic = get_object_or_404(Tactic, Tactic.id == tactic_id)
    form = TacticForm(obj=tactic, tactic=tactic)
    if request.method == "GET":
        form.target_kinds.data, form.applied_by.data = tactic.kinds, tactic.appliers
    if form.validate_on_submit():
        _fill_tactic(tactic, form)
        workflow.save_tactic(tactic, acting_user())
        flash(f"Saved '{tactic.name}'.", "success")
        return redirect(url_for("disruption.tactics"))
    return render_template("disruption/form.html", form=form, title=f"Edit {tactic.name}",
                           back=url_for("disruption.tactics"))


def _fill_tactic(tactic, form):
    tactic.code, tactic.name = form.code.data, form.name.data.strip()
    tactic.legal_basis = form.legal_basis.data.strip()
    tactic.target_kinds, tactic.applied_by = ",".join(form.target_kinds.data), ",".join(form.applied_by.data)
    tactic.max_duration_months, tactic.max_duration_days = form.max_duration_months.data, form.max_duration_days.data
    tactic.min_duration_days, tactic.court_involved = form.min_duration_days.data, form.court_involved.data


@bp.route("/disruption/tactics/<int:tactic_id>/delete", methods=["POST"])
def tactic_delete(tactic_id):
    """Delete a tactic nobody has used; one in use is refused."""
    tactic = get_object_or_404(Tactic, Tactic.id == tactic_id)
    if ConfirmForm().validate_on_submit():
        try:
            workflow.delete_tactic(tactic, acting_user())
            flash(f"Deleted '{tactic.name}'.", "success")
        except WorkflowError as error:
            flash(str(error), "danger")
    return redirect(url_for("disruption.tactics"))


# -- operations --------------------------------------------------------------------------------------------------

@bp.route("/operations")
def operations():
    """List the operations you may see, newest first, filterable by status and exportable."""
    query = (Operation.visible_to(current_user).select_extend(Organisation).join(Organisation)
             .order_by(Operation.starts_on.desc(), Operation.id.desc()))
    status = request.args.get("status") or None
    if status:
        query = query.where(Operation.status == status)
    if request.args.get("q"):
        query = query.where(Operation.name.contains(request.args["q"].strip()))
    if wants_csv():
        total = DisruptionAction.select(fn.COUNT(DisruptionAction.id)).where(DisruptionAction.operation == Operation.id)
        return csv_response("operations", ["name", "lead", "status", "starts", "ends", "actions"],
                            query.select_extend(total.alias("action_total")),
                            lambda o: [o.name, o.lead.name, o.status, o.starts_on, o.ends_on or "", o.action_total])
    page = paginate(query)
    return render_template("disruption/operations.html", page=page, counts=action_counts(page.items),
                           statuses=("planned", "active", "closed"), can_plan=can_plan(current_user))


@bp.route("/operations/new", methods=["GET", "POST"])
def operation_new():
    """Plan an operation led by your organisation."""
    form = OperationForm()
    if form.validate_on_submit():
        operation = workflow.create_operation(acting_user(), form.name.data, form.objective.data, form.starts_on.data,
                                              form.ends_on.data)
        flash(f"Operation {operation.name} created. Add its targets next.", "success")
        return redirect(url_for("disruption.operation", operation_id=operation.id))
    return render_template("disruption/form.html", form=form, title="Plan an operation",
                           back=url_for("disruption.operations"))


@bp.route("/operations/<int:operation_id>")
def operation(operation_id):
    """The operation board: targets, actions by status, a map of the targets and a timeline."""
    operation = _visible_operation(operation_id)
    audit.record("operation.read", operation)
    targets, actions = board_targets(operation), board_actions(operation)
    by_status = {status: [a for a in actions if a.status == status] for status in ACTION_STATUSES}
    markers, unplaced = [], []
    for target in targets:
        location = target.location
        if location:
            markers.append({"lat": location[0], "lon": location[1], "label": target.label,
                            "kind": target.kind_label, "url": url_for("disruption.target", target_id=target.id)})
        else:
            unplaced.append(target)
    lead = is_lead(operation, current_user)
    status_form = OperationStatusForm()
    status_form.status.choices = [c for c in status_form.status.choices if c.value in operation.allowed_statuses]
    return render_template("disruption/operation.html", operation=operation, targets=targets, actions=actions,
                           by_status=by_status, statuses=ACTION_STATUSES, markers=markers, unplaced=unplaced,
                           timeline=timeline(operation, actions), lead=lead, can_plan=lead,
                           reviews={action.id: visible_review(action, current_user) for action in actions},
                           status_form=status_form if lead and operation.allowed_statuses else None,
                           tile_url=current_app.config.get("TILE_URL", ""), record_url=record_url)


def timeline(operation, actions):
    """(date, text, url) for the operation's period and each action's dates, in date order."""
    events = [(operation.starts_on, f"Operation {operation.name} starts", None)]
    if operation.ends_on:
        events.append((operation.ends_on, f"Operation {operation.name} ends", None))
    for action in actions:
        url = url_for("disruption.action", action_id=action.id)
        what = f"{action.tactic.name}: {action.target.label}"
        if action.starts_on:
            events.append((action.starts_on, f"{what} takes effect", url))
        if action.due_on:
            events.append((action.due_on, f"{what} due ({action.status_label.lower()})", url))
        if action.expires_on:
            events.append((action.expires_on, f"{what} expires", url))
        if action.completed_at:
            events.append((to_local(action.completed_at).date(), f"{what} completed", url))
    return sorted(events, key=lambda event: event[0])


@bp.route("/operations/<int:operation_id>/edit", methods=["GET", "POST"])
def operation_edit(operation_id):
    """Change the operation's name, objective or period (lead organisation only)."""
    operation = _visible_operation(operation_id)
    if not is_lead(operation, current_user):
        abort(403)
    form = OperationForm(obj=operation)
    if form.validate_on_submit():
        workflow.update_operation(operation, acting_user(), form.name.data, form.objective.data, form.starts_on.data,
                                  form.ends_on.data)
        flash("Operation saved.", "success")
        return redirect(url_for("disruption.operation", operation_id=operation.id))
    return render_template("disruption/form.html", form=form, title=f"Edit operation {operation.name}",
                           back=url_for("disruption.operation", operation_id=operation.id))


@bp.route("/operations/<int:operation_id>/status", methods=["POST"])
def operation_status(operation_id):
    """Start, close or reopen the operation (lead organisation only)."""
    operation = _visible_operation(operation_id)
    if not is_lead(operation, current_user):
        abort(403)
    form = OperationStatusForm()
    if form.validate_on_submit():
        try:
            workflow.change_operation_status(operation, form.status.data, acting_user())
            flash(f"Operation {operation.name} is now {operation.status}.", "success")
        except WorkflowError as error:
            flash(str(error), "danger")
    else:
        flash("Choose a status.", "danger")
    return redirect(url_for("disruption.operation", operation_id=operation.id))


# -- targets and the tactics considered --------------------------------------------------------------------------

@bp.route("/operations/<int:operation_id>/targets/new", methods=["GET", "POST"])
def target_new(operation_id):
    """Add a person, premises, vehicle or place to the operation's targets (lead organisation only)."""
    operation = _lead_operation(operation_id)
    form = TargetForm(kind=request.args.get("kind"), record_id=request.args.get("record_id", type=int))
    if form.validate_on_submit():
        try:
            target = workflow.add_target(operation, form.kind.data, acting_user(), record=form.record(),
                                         lat=form.lat.data, lon=form.lon.data,
                                         description=form.description.data or "")
        except Invalid as error:
            _flash_invalid(error)
        except WorkflowError as error:
            flash(str(error), "danger")
        else:
            flash(f"{target.label} is a target of {operation.name}.", "success")
            return redirect(url_for("disruption.target", target_id=target.id))
    return render_template("disruption/form.html", form=form, title=f"Add a target to {operation.name}",
                           back=url_for("disruption.operation", operation_id=operation.id))


def _lead_operation(operation_id):
    """An operation the current user plans in: only its lead organisation's police or specialists (403)."""
    operation = _visible_operation(operation_id)
    if not is_lead(operation, current_user):
        abort(403)
    return operation


def _visible_target(target_id):
    target = get_object_or_404(OperationTarget, OperationTarget.id == target_id)
    _visible_operation(target.operation_id)
    return target


@bp.route("/operations/targets/<int:target_id>")
def target(target_id):
    """A target: its actions and the checklist of every tactic that applies, used, ruled out or not considered."""
    target = _visible_target(target_id)
    audit.record("operation.target_read", target.operation, reason=f"{target.kind} {target.record_id or target.id}")
    return render_template("disruption/target.html", target=target, operation=target.operation,
                           considered=tactics_considered(target), states=CONSIDERED_STATES,
                           actions=target.actions.order_by(DisruptionAction.id),
                           can_plan=is_lead(target.operation, current_user),
                           rule_out_form=RuleOutForm(), record_url=record_url(target))


@bp.route("/operations/targets/<int:target_id>/considered", methods=["POST"])
def rule_out(target_id):
    """Rule a tactic out for this target with a reason, or take it back off the list (lead organisation only)."""
    target = _visible_target(target_id)
    _lead_operation(target.operation_id)
    form = RuleOutForm()
    tactic = Tactic.get_or_none(Tactic.id == form.tactic.data) if form.validate_on_submit() else None
    if tactic is None:
        flash("Choose a tactic.", "danger")
    elif request.form.get("reconsider"):
        workflow.reconsider(target, tactic, acting_user())
        flash(f"'{tactic.name}' is no longer ruled out.", "success")
    else:
        try:
            workflow.rule_out(target, tactic, form.reason.data, acting_user())
            flash(f"'{tactic.name}' ruled out for {target.label}.", "success")
        except Invalid as error:
            _flash_invalid(error)
        except WorkflowError as error:
            flash(str(error), "danger")
    return redirect(url_for("disruption.target", target_id=target.id))


# -- actions -----------------------------------------------------------------------------------------------------

@bp.route("/operations/targets/<int:target_id>/actions/new", methods=["GET", "POST"])
def action_new(target_id):
    """Plan an action against the target: a tactic, an owner, a due date and, for a notice or order, its period."""
    target = _visible_target(target_id)
    _lead_operation(target.operation_id)
    licences = workflow.live_licences(target)
    form = ActionForm(target=target, licences=licences, tactic=request.args.get("tactic", type=int))
    if form.validate_on_submit():
        try:
            action = workflow.plan_action(
                target.operation, target, Tactic.get_by_id(form.tactic.data), acting_user(),
                owner=User.get_or_none(User.id == form.owner.data) if form.owner.data else None,
                due_on=form.due_on.data, starts_on=form.starts_on.data, expires_on=form.expires_on.data,
                notes=form.notes.data, licence=Licence.get_or_none(Licence.id == form.licence.data)
                if form.licence.data else None, recommendation_action=form.recommendation_action.data,
                grounds=form.grounds.data)
        except Invalid as error:
            for name, message in error.fields.items():
                field = getattr(form, {"tactic_code": "tactic", "owner_id": "owner", "licence_id": "licence"}
                                .get(name, name), None)
                (field.errors.append(message) if field is not None else flash(message, "danger"))
        except WorkflowError as error:
            flash(str(error), "danger")
        else:
            flash(f"Planned: {action.tactic.name}." + (" The recommendation is with the licensing authority."
                                                        if action.recommendation_id else ""), "success")
            return redirect(url_for("disruption.action", action_id=action.id))
    return render_template("disruption/form.html", form=form, title=f"Plan an action: {target.label}",
                           back=url_for("disruption.target", target_id=target.id))


def _visible_action(action_id):
    action = get_object_or_404(DisruptionAction, DisruptionAction.id == action_id)
    _visible_operation(action.operation_id)
    return action


@bp.route("/actions/<int:action_id>")
def action(action_id):
    """An action: tactic, target, owner, dates, history, outcome, and the licensing decision if one came back."""
    action = _visible_action(action_id)
    audit.record("action.read", action)
    allowed = can_update(action, current_user)
    status_form = ActionStatusForm()
    status_form.status.choices = [c for c in status_form.status.choices if c.value in action.allowed_statuses]
    recommendation, decision = visible_review(action, current_user) or (None, None)
    return render_template("disruption/action.html", action=action, target=action.target,
                           operation=action.operation, recommendation=recommendation, decision=decision,
                           history=action.history.order_by(ActionEvent.at, ActionEvent.id),
                           status_form=status_form if allowed and action.allowed_statuses else None,
                           dates_form=ActionDatesForm(obj=action) if allowed and action.is_open else None)


@bp.route("/actions/<int:action_id>/status", methods=["POST"])
def action_status(action_id):
    """Move an action on through the workflow; completing records the outcome."""
    action = _visible_action(action_id)
    if not can_update(action, current_user):
        abort(403)
    form = ActionStatusForm()
    if form.validate_on_submit():
        try:
            workflow.change_action_status(action, form.status.data, acting_user(), outcome=form.outcome.data)
            flash(f"The action is now {action.status_label.lower()}.", "success")
        except WorkflowError as error:
            flash(str(error), "danger")
        except Invalid as error:
            _flash_invalid(error)
    else:
        flash("Choose a status.", "danger")
    return redirect(url_for("disruption.action", action_id=action.id))


@bp.route("/actions/<int:action_id>/dates", methods=["POST"])
def action_dates(action_id):
    """Change an action's due date or its notice's period (checked against the tactic's limit)."""
    action = _visible_action(action_id)
    if not can_update(action, current_user):
        abort(403)
    form = ActionDatesForm()
    if form.validate_on_submit():
        try:
            workflow.update_action(action, acting_user(), due_on=form.due_on.data, starts_on=form.starts_on.data,
                                   expires_on=form.expires_on.data)
            flash("Dates saved.", "success")
        except Invalid as error:
            _flash_invalid(error)
        except WorkflowError as error:
            flash(str(error), "danger")
    else:
        _flash_invalid(Invalid({name: " ".join(errors) for name, errors in form.errors.items()}))
    return redirect(url_for("disruption.action", action_id=action.id))
