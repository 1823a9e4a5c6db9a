"""The disruption workflow (SPEC §4.2): operations, targets and actions change only here, each change audited in
one transaction; a licence review becomes a licensing recommendation, and follow-ups remind owners and escalate.
"""
from werkzeug.exceptions import Forbidden

from core import audit
from core.db import db
from core.errors import Invalid, WorkflowError
from core.permissions import STAFF
from core.timeutil import london_today, utcnow
from core.workdays import add_working_days, working_days_between
from followups import periodic_check, send
from licensing import workflow as licensing
from licensing.models import LIVE_STATUSES, RECOMMENDATION_ACTIONS, Licence
from disruption.models import (ACTION_STATUSES, ACTION_TRANSITIONS, LICENCE_REVIEW, OPEN_STATUSES,
                               OPERATION_TRANSITIONS, ActionEvent, DisruptionAction, Operation, OperationTarget,
                               TacticRuledOut)

# Owners hear of a due date or an expiry this many working days ahead.
REMINDER_WORKING_DAYS = 2


today = london_today  # a module attribute, so tests can move the clock


def require_lead(operation, user):
    """Only the lead organisation's police or specialists plan inside an operation (403 otherwise)."""
    if not is_lead(operation, user):
        raise Forbidden("Only the lead organisation's police or specialists may plan in this operation.")


def require_open(operation, what):
    if operation.status == "closed":
        raise WorkflowError(f"This operation is closed; reopen it to {what}.")


def is_lead(operation, user):
    """Whether user plans for the operation's lead organisation (its police or specialists)."""
    return operation.lead_id == user.organisation_id and can_plan(user)


def can_plan(user):
    """Police and specialists plan operations and actions; licensing officers view and own actions."""
    return bool(user.roles & {"police", "specialist"})


def can_update(action, user):
    """The lead organisation's police or specialists, or the owner's organisation, move an action on."""
    return is_lead(action.operation, user) or (action.owner_organisation_id == user.organisation_id
                                               and bool(user.roles & STAFF))


# -- the catalogue -----------------------------------------------------------------------------------------------

def save_tactic(tactic, user):
    """Add or change a catalogue entry."""
    with db.atomic():
        created = tactic.id is None
        tactic.save()
        audit.record("tactic.create" if created else "tactic.update", tactic, user=user, reason=tactic.code)
    return tactic


def delete_tactic(tactic, user):
    """Remove a tactic from the catalogue, unless an action uses it: the history must keep its meaning."""
    with db.atomic():
        if tactic.in_use():
            actions = DisruptionAction.select().where(DisruptionAction.tactic == tactic).count()
            ruled_out = TacticRuledOut.select().where(TacticRuledOut.tactic == tactic).count()
            raise WorkflowError(f"'{tactic.name}' is used by {actions} disruption action(s) and ruled out for "
                                f"{ruled_out} target(s), so it cannot be deleted. Change its wording instead.")
        audit.record("tactic.delete", tactic, user=user, reason=tactic.code)
        tactic.delete_instance()


# -- operations and targets --------------------------------------------------------------------------------------

def check_operation(name, objective, starts_on, ends_on):
    errors = {}
    if not (name or "").strip():
        errors["name"] = "Give the operation a name."
    if not (objective or "").strip():
        errors["objective"] = "Say what the operation sets out to achieve."
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = "The operation cannot end before it starts."
    return errors


def create_operation(user, name, objective, starts_on, ends_on=None):
    """Open an operation led by the user's organisation."""
    errors = check_operation(name, objective, starts_on, ends_on)
    if errors:
        raise Invalid(errors)
    with db.atomic():
        operation = Operation.create(name=name.strip(), objective=objective.strip(), lead=user.organisation,
                                     starts_on=starts_on, ends_on=ends_on, created_by=user)
        audit.record("operation.create", operation, user=user)
    return operation


def update_operation(operation, user, name, objective, starts_on, ends_on):
    errors = check_operation(name, objective, starts_on, ends_on)
    if errors:
        raise Invalid(errors)
    with db.atomic():
        operation.name, operation.objective = name.strip(), objective.strip()
        operation.starts_on, operation.ends_on = starts_on, ends_on
        operation.save()
        audit.record("operation.update", operation, user=user)
    return operation


def change_operation_status(operation, to_status, user):
    if to_status not in OPERATION_TRANSITIONS.get(operation.status, ()):
        allowed = ", ".join(OPERATION_TRANSITIONS.get(operation.status, ())) or "none"
        raise WorkflowError(f"A {operation.status} operation cannot become {to_status}. Allowed from here: {allowed}.")
    with db.atomic():
        from_status = operation.status
        operation.status = to_status
        operation.save()
        audit.record("operation.status", operation, user=user, reason=f"{from_status} -> {to_status}")
    return operation


def add_target(operation, kind, user, record=None, lat=None, lon=None, description=""):
    """The operation's target for record (or a place at lat/lon), added once: asking again returns it."""
    require_lead(operation, user)
    require_open(operation, "add targets")
    if kind == "place":
        errors = {}
        if lat is None or not -90 <= lat <= 90:
            errors["lat"] = "Give a latitude between -90 and 90."
        if lon is None or not -180 <= lon <= 180:
            errors["lon"] = "Give a longitude between -180 and 180."
        if not (description or "").strip():
            errors["description"] = "Describe the place (for example 'lay-by behind the retail park')."
        if errors:
            raise Invalid(errors)
        fields = {"lat": lat, "lon": lon, "description": description.strip()[:200]}
    elif kind in ("person", "premises", "vehicle"):
        if record is None:
            raise Invalid({"target_id": f"No {kind} has this id."})
        existing = OperationTarget.get_or_none((OperationTarget.operation == operation)
                                               & (getattr(OperationTarget, kind) == record))
        if existing:
            return existing
        fields = {kind: record}
    else:
        raise Invalid({"target_type": "Use one of: person, premises, vehicle, place."})
    with db.atomic():
        target = OperationTarget.create(operation=operation, kind=kind, added_by=user, **fields)
        audit.record("operation.target_add", operation, user=user, reason=f"{kind} {target.record_id or target.id}")
    return target


# -- actions -----------------------------------------------------------------------------------------------------

def check_period(tactic, starts_on, expires_on):
    """The field errors of a notice or order's period against the tactic's limits (SPEC §4.5)."""
    errors = {}
    if expires_on and not starts_on:
        errors["starts_on"] = "Give the date it takes effect, so its expiry can be checked."
    elif starts_on and expires_on:
        if expires_on < starts_on:
            errors["expires_on"] = "It cannot expire before it takes effect."
        elif tactic.min_duration_days and (expires_on - starts_on).days < tactic.min_duration_days:
            errors["expires_on"] = f"A {tactic.name.lower()} lasts {tactic.duration_label}."
        elif tactic.has_limit and expires_on > tactic.latest_expiry(starts_on):
            errors["expires_on"] = (f"A {tactic.name.lower()} lasts {tactic.duration_label}: taking effect on "
                                    f"{starts_on:%d %B %Y}, it must expire by "
                                    f"{tactic.latest_expiry(starts_on):%d %B %Y}.")
    return errors


def owner_problem(owner, tactic):
    """Why owner may not own an action using tactic, or None."""
    if owner is None:
        return None
    if not owner.is_active or not owner.roles & STAFF:
        return "The owner must be an active police, specialist or licensing user."
    if owner.organisation.kind not in tactic.appliers:
        return f"A {tactic.name.lower()} is applied by: {tactic.appliers_label}. {owner.organisation.name} is not one."
    return None


def live_licences(target):
    """Licences a review request on target could concern: the person's, or the vehicle's, that are still live."""
    if target.kind == "person":
        query = Licence.select().where(Licence.holder == target.person_id)
    elif target.kind == "vehicle":
        query = Licence.select().where(Licence.vehicle == target.vehicle_id)
    else:
        return []
    return list(query.where(Licence.status.in_(LIVE_STATUSES)).order_by(Licence.number))


def plan_action(operation, target, tactic, user, owner=None, due_on=None, starts_on=None, expires_on=None,
                notes="", licence=None, recommendation_action=None, grounds=None):
    """Plan an action. Every problem is reported at once (Invalid). A licence review or suspension request
    becomes a licensing recommendation in the same transaction, and the action is then in progress."""
    require_lead(operation, user)
    require_open(operation, "plan more actions")
    errors = {}
    if target.operation_id != operation.id:
        errors["target_id"] = "This target is not part of the operation."
    if target.kind not in tactic.kinds:
        errors["tactic_code"] = f"A {tactic.name.lower()} applies to: {tactic.kinds_label}, not a {target.kind}."
    owner = owner or user
    problem = owner_problem(owner, tactic)
    if problem:
        errors["owner_id"] = problem
    errors.update(check_period(tactic, starts_on, expires_on))
    if starts_on and not expires_on and tactic.has_limit:
        expires_on = tactic.latest_expiry(starts_on)
    review = tactic.code == LICENCE_REVIEW
    if review:
        licence = check_review(target, licence, recommendation_action, grounds, errors)
    if errors:
        raise Invalid(errors)
    with db.atomic():
        action = DisruptionAction.create(
            operation=operation, target=target, tactic=tactic, owner=owner, owner_organisation=owner.organisation,
            due_on=due_on, starts_on=starts_on, expires_on=expires_on, notes=(notes or "").strip(), created_by=user)
        ActionEvent.create(action=action, from_status=None, to_status="planned", note="Planned", user=user)
        # Planning discloses the target to the owner's organisation.
        audit.record("action.plan", action, user=user, recipients=[owner.organisation_id],
                     reason=f"{tactic.code} on {target.kind} {target.record_id or target.id}")
        if review:
            _send_review(action, licence, recommendation_action, grounds, user)
        if owner.organisation_id != user.organisation_id:
            send("action.assigned", action, to=[owner.organisation_id], sender=user.organisation,
                 subject=f"Disruption action for you: {tactic.name}"[:200],
                 body=f"{user.organisation.name} has asked {owner.name} to carry out a {tactic.name.lower()} "
                      f"({target.kind_label.lower()}: {target.label}) in operation {operation.name}"
                      + (f", due by {action.due_on:%d %B %Y}." if action.due_on else "."))
    return action


def check_review(target, licence, recommendation_action, grounds, errors):
    """The licence a review request concerns (the only live one if none was chosen); problems go into errors."""
    candidates = live_licences(target)
    if licence is None and len(candidates) == 1:
        licence = candidates[0]
    if licence is None:
        errors["licence_id"] = ("Choose which licence to review: " + ", ".join(lic.number for lic in candidates)
                                if candidates else f"This {target.kind} has no live licence to review.")
    elif licence not in candidates:
        errors["licence_id"] = f"Licence {licence.number} is not a live licence of this {target.kind}."
    if (recommendation_action or "suspend") not in RECOMMENDATION_ACTIONS:
        errors["recommendation_action"] = "Use one of: " + ", ".join(RECOMMENDATION_ACTIONS) + "."
    if not (grounds or "").strip():
        errors["grounds"] = "Give the grounds for the review; the licensing authority reads them."
    return licence


def _send_review(action, licence, recommendation_action, grounds, user):
    """Turn the action into a licensing recommendation; the action is then in progress."""
    recommendation = licensing.recommend(licence, recommendation_action or "suspend", grounds,
                                         [action.operation.lead_id], user, due_on=action.due_on)
    action.recommendation = recommendation
    action.due_on = action.due_on or recommendation.due_on
    action.save()
    # The history is open to everyone who sees the action; the licence only to those sees_concerns allows.
    _move(action, "in_progress", user, "Recommendation sent to the licensing authority")


def _move(action, to_status, user, note):
    from_status = action.status
    action.status = to_status
    if to_status == "completed":
        action.completed_at = utcnow()
    action.save()
    ActionEvent.create(action=action, from_status=from_status, to_status=to_status, note=note, user=user)
    # The status change only: notes and outcomes are casework, not for the audit log's readers.
    audit.record("action.status", action, user=user, reason=f"{from_status} -> {to_status}")


def change_action_status(action, to_status, user, outcome=None, note=""):
    """Move an action on if the workflow allows it; a completed action needs its outcome, an abandoned one a reason."""
    if to_status not in ACTION_STATUSES:
        raise Invalid({"status": "Use one of: " + ", ".join(ACTION_STATUSES) + "."})
    if to_status not in ACTION_TRANSITIONS.get(action.status, ()):
        allowed = ", ".join(ACTION_TRANSITIONS.get(action.status, ())) or "none: it is final"
        raise WorkflowError(f"A {action.status_label.lower()} action cannot become "
                            f"{ACTION_STATUSES[to_status].lower()}. Allowed from here: {allowed}.")
    outcome = (outcome or "").strip()
    if to_status == "completed" and not outcome:
        raise Invalid({"outcome": "Record the outcome when completing an action."})
    if to_status == "abandoned" and not (outcome or (note or "").strip()):
        raise Invalid({"outcome": "Say why the action was abandoned."})
    with db.atomic():
        if outcome:
            action.outcome = outcome
        _move(action, to_status, user, (note or "").strip() or outcome or ACTION_STATUSES[to_status])
    return action


def update_action(action, user, **changes):
    """Change an action's dates, outcome text or notes (not its status: change_action_status does that). A finished
    action's dates stay as they were; a due date moved by another organisation is reported to the lead."""
    dates = {name: changes.get(name, getattr(action, name)) for name in ("starts_on", "expires_on")}
    if not action.is_open and any(changes.get(name, getattr(action, name)) != getattr(action, name)
                                  for name in ("due_on", "starts_on", "expires_on")):
        raise WorkflowError(f"A {action.status_label.lower()} action's dates cannot change.")
    errors = check_period(action.tactic, dates["starts_on"], dates["expires_on"])
    if errors:
        raise Invalid(errors)
    with db.atomic():
        changed = []
        for name, value in changes.items():
            if getattr(action, name) != value:
                setattr(action, name, value)
                changed.append(name)
        # A moved date earns its own reminder.
        if "due_on" in changed:
            action.due_reminded_at = action.overdue_sent_at = None
        if "expires_on" in changed:
            action.expiry_reminded_at = None
        if changed:
            action.save()
            audit.record("action.update", action, user=user, reason=", ".join(changed))
        if "due_on" in changed and user.organisation_id != action.operation.lead_id:
            send("action.due_changed", action, to=[action.operation.lead_id], sender=user.organisation,
                 subject=f"Due date moved: {action.tactic.name}"[:200],
                 body=f"{user.organisation.name} moved the due date of {_describe(action)} to "
                      + (f"{action.due_on:%d %B %Y}." if action.due_on else "no due date."))
    return action


def rule_out(target, tactic, reason, user):
    """Record that a tactic was considered for target and ruled out, and why (L4)."""
    require_lead(target.operation, user)
    require_open(target.operation, "rule tactics out")
    if target.kind not in tactic.kinds:
        raise WorkflowError(f"A {tactic.name.lower()} does not apply to a {target.kind}.")
    if not (reason or "").strip():
        raise Invalid({"reason": "Say why this tactic was ruled out."})
    with db.atomic():
        row = TacticRuledOut.get_or_none((TacticRuledOut.target == target) & (TacticRuledOut.tactic == tactic))
        if row:
            row.reason, row.decided_by, row.decided_at = reason.strip(), user, utcnow()
            row.save()
        else:
            row = TacticRuledOut.create(target=target, tactic=tactic, reason=reason.strip(), decided_by=user)
        audit.record("tactic.rule_out", target.operation, user=user, reason=tactic.code)  # the reason is casework
    return row


def reconsider(target, tactic, user):
    """Take a tactic back off the ruled-out list."""
    require_lead(target.operation, user)
    with db.atomic():
        deleted = TacticRuledOut.delete().where((TacticRuledOut.target == target)
                                                & (TacticRuledOut.tactic == tactic)).execute()
        if deleted:
            audit.record("tactic.reconsider", target.operation, user=user, reason=tactic.code)


# -- follow-ups --------------------------------------------------------------------------------------------------

def _claim(action, column):
    """Set column on action if nobody has: exactly one sweep sends each follow-up."""
    field = getattr(DisruptionAction, column)
    return DisruptionAction.update({field: utcnow()}).where(
        (DisruptionAction.id == action.id) & field.is_null()).execute()


def _describe(action):
    return (f"{action.tactic.name} ({action.target.kind_label.lower()}: {action.target.label}), "
            f"operation {action.operation.name}")


@periodic_check
def follow_up_actions():
    """Remind the owner's organisation REMINDER_WORKING_DAYS working days before a due date or an expiry, and
    tell the lead organisation on the first working day an open action is past its due date. Each once."""
    now = today()
    open_actions = DisruptionAction.select().where(DisruptionAction.status.in_(OPEN_STATUSES))
    for action in open_actions.where(DisruptionAction.due_on.is_null(False) & DisruptionAction.due_reminded_at.is_null()
                                     & (DisruptionAction.due_on >= now)):
        if working_days_between(now, action.due_on) <= REMINDER_WORKING_DAYS:
            with db.atomic():
                if _claim(action, "due_reminded_at"):
                    send("action.due", action, to=[action.owner_organisation_id], sender=action.operation.lead,
                         subject=f"Due {action.due_on:%d %b}: {action.tactic.name}"[:200],
                         body=f"{_describe(action)} is due by {action.due_on:%A %d %B %Y}"
                              f"{' (owner: ' + action.owner.name + ')' if action.owner_id else ''}.")
    for action in open_actions.where(DisruptionAction.due_on.is_null(False) & DisruptionAction.overdue_sent_at.is_null()
                                     & (DisruptionAction.due_on < now)):
        if working_days_between(action.due_on, now) >= 1:
            with db.atomic():
                if _claim(action, "overdue_sent_at"):
                    send("action.overdue", action, to=[action.operation.lead_id], sender=None,
                         subject=f"Overdue: {action.tactic.name}, operation {action.operation.name}"[:200],
                         body=f"{_describe(action)} was due by {action.due_on:%d %B %Y} and is still "
                              f"{action.status_label.lower()}. Owner: "
                              f"{action.owner.name if action.owner_id else action.owner_organisation.name}.")
                    audit.record("action.overdue", action)
    for action in DisruptionAction.select().where(
            (DisruptionAction.status != "abandoned") & DisruptionAction.expires_on.is_null(False)
            & DisruptionAction.expiry_reminded_at.is_null() & (DisruptionAction.expires_on >= now)):
        if working_days_between(now, action.expires_on) <= REMINDER_WORKING_DAYS:
            with db.atomic():
                if _claim(action, "expiry_reminded_at"):
                    send("action.expiry", action, to=[action.owner_organisation_id], sender=action.operation.lead,
                         subject=f"Expires {action.expires_on:%d %b}: {action.tactic.name}"[:200],
                         body=f"{_describe(action)} expires on {action.expires_on:%A %d %B %Y}. Decide whether to "
                              "renew it, apply for an order, or let it lapse.")


def reminder_day(day):
    """The working day on which a due date or expiry of day is first reminded."""
    return add_working_days(day, -REMINDER_WORKING_DAYS)
