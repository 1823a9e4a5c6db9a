"""Disruption on the hotspot maps: actions as events (each action at a place on the map or at located premises,
when planned), and the open operations' targets as a marker layer."""
from flask import url_for
from peewee import JOIN, Value, fn

from disruption.models import DisruptionAction, Operation, OperationTarget
from hotspots.events import columns, event_source
from hotspots.layers import marker_layer
from records.models import Premises


@event_source("action", "Disruption actions", tables=("disruption_action", "operation_target", "premises"))
def action_points(since, until):
    action, target = DisruptionAction, OperationTarget
    return (action.select(*columns(fn.COALESCE(target.lat, Premises.lat), fn.COALESCE(target.lon, Premises.lon),
                                   action.created_at, fn.COALESCE(Premises.location_precision, Value("manual"))))
            .join(target).join(Premises, JOIN.LEFT_OUTER, on=(target.premises == Premises.id))
            .where(fn.COALESCE(target.lat, Premises.lat).is_null(False)
                   & (action.created_at >= since) & (action.created_at < until)))


@marker_layer("Operation targets")
def operation_targets(user):
    """Located targets of the open operations user may see."""
    rows = []
    query = (OperationTarget.select(OperationTarget, Operation, Premises)
             .join(Operation).switch(OperationTarget).join(Premises, JOIN.LEFT_OUTER,
                                                           on=(OperationTarget.premises == Premises.id))
             .where(Operation.id.in_(Operation.visible_to(user).select(Operation.id))
                    & Operation.status.in_(("planned", "active"))))
    for target in query:
        location = target.location
        if location and location[0] is not None:
            rows.append([location[0], location[1], f"{target.label} ({target.operation.name})",
                         url_for("disruption.target", target_id=target.id), target.kind_label])
    return rows
