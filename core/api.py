"""The JSON API's own endpoints (SPEC §5.1): who am I, and the organisations."""
from flask import Blueprint, jsonify
from flask_login import current_user

from core.models import Organisation
from core.web import api_list, paginate

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def organisation_json(organisation):
    return {"id": organisation.id, "name": organisation.name, "kind": organisation.kind}


@bp.route("/me")
def me():
    """Return the token's user and organisation."""
    user = current_user
    return jsonify(id=user.id, email=user.email, name=user.name, role=user.role,
                   organisation=organisation_json(user.organisation))


@bp.route("/organisations")
def organisations():
    """List active organisations, for choosing whom to notify."""
    query = Organisation.search().where(Organisation.active)
    return api_list(paginate(query), organisation_json)
