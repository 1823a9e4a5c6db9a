"""What rq runs for follow-ups (jobs take ids, never model objects)."""
from collections import Counter

from followups import outbox


def deliver(followup_ids):
    """Deliver a batch of follow-ups; running it twice has the effect of running it once.

    Takes a list of ids (one id, as jobs queued before batching carry, works too); returns how many
    rows came to each outcome, for the worker's log.
    """
    if isinstance(followup_ids, int):
        followup_ids = [followup_ids]
    return dict(Counter(outbox.deliver_batch(followup_ids).values()))


def sweep():
    """Re-queue stuck or due follow-ups, escalate overdue ones, run the domains' periodic checks."""
    return outbox.sweep()
