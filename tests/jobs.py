"""Jobs used only by the tests of the queue plumbing (rq imports them by dotted path)."""
from flask import current_app

from core import audit


def record_from_worker(action):
    """Write an audit event from inside a worker, proving the app context and a database connection."""
    event = audit.record(action, reason=current_app.name)
    return event.id
