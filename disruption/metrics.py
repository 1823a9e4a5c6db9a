"""Disruption's indicator on the managers' dashboard: actions completed on time, by tactic (SPEC L4, L8)."""
from collections import defaultdict

from core import dashboard
from core.dashboard import Metric, bar_chart, last_months, metric, share
from core.permissions import STAFF
from core.timeutil import to_local
from disruption.models import DisruptionAction, Operation, Tactic


def timeliness(action, day):
    """"on time", "late", "overdue" (open past its due date) or None (not yet due, abandoned, or no due date)."""
    if action.due_on is None or action.status == "abandoned":
        return None
    if action.status == "completed" and action.completed_at is not None:
        return "on time" if to_local(action.completed_at).date() <= action.due_on else "late"
    return "overdue" if action.due_on < day else None


@metric(order=30)
def actions_on_time(user):
    if not user.roles & STAFF:
        return None  # partners take no part in disruption operations
    first_month = last_months()[0]
    day = dashboard.today()
    actions = (DisruptionAction.select(DisruptionAction, Tactic).join(Tactic).switch(DisruptionAction).join(Operation)
               .where(((DisruptionAction.owner_organisation == user.organisation_id)
                       | (Operation.lead == user.organisation_id)) & (DisruptionAction.due_on >= first_month)))
    by_tactic = defaultdict(lambda: {"on time": 0, "late": 0, "overdue": 0})
    for action in actions:
        state = timeliness(action, day)
        if state:
            by_tactic[action.tactic.name][state] += 1
    rows = [(name, sum(c.values()), c["on time"], c["late"], c["overdue"], share(c["on time"], sum(c.values())))
            for name, c in sorted(by_tactic.items())]
    due = sum(row[1] for row in rows)
    on_time = sum(row[2] for row in rows)
    return Metric(
        title="Disruption actions completed on time, by tactic",
        value="no actions due yet" if not due else f"{share(on_time, due)} on time",
        scope=f"Actions {user.organisation.name} owns or in operations it leads, due in the last 12 months or "
              "later: completed by their due date, completed late, or still open past it. Abandoned actions and "
              "those not yet due are left out.",
        columns=("tactic", "due", "on time", "late", "open past due", "on-time share"), rows=rows,
        chart=bar_chart([row[0][:28] for row in rows],
                        [("on time", [r[2] for r in rows]), ("late", [r[3] for r in rows]),
                         ("open past due", [r[4] for r in rows])],
                        ylabel="actions", stacked=True) if due else None)
