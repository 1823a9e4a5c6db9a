"""Disruption on the pages of people, vehicles and premises: the actions against a record, and the tactics
considered for it in each operation (registered with records/links.py, which never imports disruption)."""
from flask import url_for

from core.permissions import STAFF
from disruption.models import (CONSIDERED_STATES, DisruptionAction, Operation, OperationTarget, tactics_considered,
                               visible_review)
from disruption.workflow import can_plan
from records.links import Section, record_section

TARGET_FIELDS = {"person": OperationTarget.person, "premises": OperationTarget.premises,
                 "vehicle": OperationTarget.vehicle}


def _targets(record_type, record, user):
    return (OperationTarget.select(OperationTarget, Operation).join(Operation)
            .where((TARGET_FIELDS[record_type] == record.id)
                   & Operation.id.in_(Operation.visible_to(user).select(Operation.id)))
            .order_by(Operation.starts_on.desc(), OperationTarget.id))


@record_section(order=60)
def actions_section(record_type, record, user):
    """Every disruption action against the record in operations the user may see."""
    if record_type not in TARGET_FIELDS or not user.roles & STAFF:
        return None
    actions = (DisruptionAction.on_record(record_type, record.id)
               .where(Operation.id.in_(Operation.visible_to(user).select(Operation.id)))
               .order_by(DisruptionAction.created_at.desc(), DisruptionAction.id.desc()))
    rows = []
    for action in actions:
        detail = [action.status_label, f"operation {action.operation.name}"]
        if action.due_on:
            detail.append(f"due {action.due_on:%d %b %Y}")
        if action.expires_on:
            detail.append(f"expires {action.expires_on:%d %b %Y}")
        review = visible_review(action, user)
        if review:
            decision = review[1]
            detail.append(f"licensing decision: {decision.outcome_label.lower()}" if decision
                          else "awaiting the licensing decision")
        rows.append((action.tactic.name, url_for("disruption.action", action_id=action.id), " · ".join(detail)))
    return Section("Disruption actions", rows, "No disruption action has targeted this record.")


@record_section(order=61)
def considered_section(record_type, record, user):
    """Per operation targeting the record: the tactics used or ruled out (and why), and how many are not
    yet considered (L4)."""
    if record_type not in TARGET_FIELDS or not user.roles & STAFF:
        return None
    rows = []
    for target in _targets(record_type, record, user):
        url = url_for("disruption.target", target_id=target.id)
        waiting = 0
        for tactic, state, detail in tactics_considered(target):
            if state == "not_considered":
                waiting += 1
            else:
                why = detail.reason if state == "ruled_out" else detail.status_label.lower()
                rows.append((f"{target.operation.name}: {tactic.name}", url, f"{CONSIDERED_STATES[state]}: {why}"))
        if waiting:
            rows.append((f"{target.operation.name}: {waiting} tactic(s) not yet considered", url,
                         "Open the checklist to rule them in or out." if can_plan(user) else ""))
    return Section("Tactics considered", rows, "This record is not a target of any operation you can see.")
