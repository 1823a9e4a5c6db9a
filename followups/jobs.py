"""What rq runs for follow-ups (jobs take ids, never model objects)."""
from followups import outbox


def deliver(followup_id):
    """Deliver one follow-up; running it twice has the effect of running it once."""
    return outbox.deliver(followup_id)


def sweep():
    """Re-queue stuck or due follow-ups, escalate overdue ones, run the domains' periodic checks."""
    return outbox.sweep()
