"""The inbox in the JSON API (SPEC §5.1): list it, acknowledge an item."""
from flask import Blueprint, jsonify, request

from core.auth import acting_user
from core.timeutil import isoformat_utc
from core.web import api_error, api_list, paginate
from followups import outbox
from followups.models import FollowUp

bp = Blueprint("followups_api", __name__, url_prefix="/api/v1")


def inbox_item_json(followup):
    return {"id": followup.id, "kind": followup.kind, "subject": followup.subject,
            "record_type": followup.record_type, "record_id": followup.record_id,
            "created_at": isoformat_utc(followup.created_at), "acknowledged_at": isoformat_utc(followup.acknowledged_at)}


@bp.route("/inbox")
def inbox():
    """List the caller's organisation's inbox; ?unacknowledged=true for what is waiting."""
    flag = request.args.get("unacknowledged")
    unacknowledged = {"true": True, "false": False}.get((flag or "").lower())
    if flag is not None and unacknowledged is None:
        return api_error(422, "invalid", "unacknowledged must be true or false.",
                         {"unacknowledged": "Use true or false."})
    user = acting_user()
    return api_list(paginate(FollowUp.inbox(user.organisation, user, unacknowledged=unacknowledged)),
                    inbox_item_json)


@bp.route("/inbox/<int:followup_id>/ack", methods=["POST"])
def acknowledge(followup_id):
    """Acknowledge an inbox item for the caller's organisation."""
    user = acting_user()
    followup = FollowUp.inbox(user.organisation, user).where(FollowUp.id == followup_id).first()
    if followup is None:
        return api_error(404, "not_found", "No such item in your organisation's inbox.")
    followup = outbox.acknowledge(followup, user)
    return jsonify(id=followup.id, acknowledged_at=isoformat_utc(followup.acknowledged_at))
