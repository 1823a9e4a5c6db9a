"""Licensing's indicators on the managers' dashboard: time to decision, outcomes delivered and acknowledged,
and overdue statutory clocks (SPEC L1, L8, §4.5)."""
from collections import Counter, defaultdict

from peewee import fn

from core.dashboard import Metric, bar_chart, last_months, median, metric, month_label, month_of, share, window_start
from core.timeutil import to_local
from core.workdays import working_days_between
from followups.models import FollowUp
from licensing import duties
from licensing.models import Decision, Licence, Recommendation, RecommendationPartner


def decision_working_days(recommendation, decision):
    """Working days from the day a recommendation was made to the day it was decided (London dates)."""
    return working_days_between(to_local(recommendation.created_at).date(), to_local(decision.decided_at).date())


def _concerning(organisation_id):
    """Recommendations an organisation made, was sent (as the licensing authority) or was named on as a partner."""
    named = RecommendationPartner.select(RecommendationPartner.id).where(
        (RecommendationPartner.recommendation == Recommendation.id)
        & (RecommendationPartner.organisation == organisation_id))
    return ((Recommendation.organisation == organisation_id) | (Licence.authority == organisation_id)
            | fn.EXISTS(named))


@metric(order=10)
def time_to_decision(user):
    months = last_months()
    decisions = (Decision.select(Decision, Recommendation).join(Recommendation).join(Licence)
                 .where(_concerning(user.organisation_id) & (Decision.decided_at >= window_start(months))))
    by_month = defaultdict(list)
    for decision in decisions:
        by_month[month_of(decision.decided_at)].append(decision_working_days(decision.recommendation, decision))
    everything = [days for values in by_month.values() for days in values]
    overall = median(everything)
    rows = [(month_label(m), len(by_month[m]), median(by_month[m])) for m in months]
    return Metric(
        title="Working days from recommendation to decision (median)",
        value="no decisions" if overall is None else f"{overall:g} working day{'' if overall == 1 else 's'}",
        scope=f"Recommendations made by, made to, or naming {user.organisation.name}, decided in the last 12 months "
              f"({len(everything)} in all).",
        columns=("month decided", "decisions", "median working days"), rows=rows,
        chart=bar_chart([label for label, _, _ in rows], [("median working days", [r[2] for r in rows])],
                        ylabel="working days") if everything else None)


@metric(order=20)
def outcomes_delivered(user):
    months = last_months()
    outcomes = list(FollowUp.select().where(
        (FollowUp.kind == "recommendation.outcome") & (FollowUp.created_at >= window_start(months))
        & ((FollowUp.sender == user.organisation_id) | (FollowUp.recipient == user.organisation_id))))
    rows = []
    own = user.organisation_id
    for label, part in ((f"sent by {user.organisation.name}", [f for f in outcomes if f.sender_id == own]),
                        (f"sent to {user.organisation.name}", [f for f in outcomes if f.recipient_id == own])):
        delivered = sum(1 for f in part if f.status == "delivered" or f.acknowledged_at)
        acknowledged = sum(1 for f in part if f.acknowledged_at)
        rows.append((f"Outcomes {label}", len(part), delivered, acknowledged, share(delivered, len(part)),
                     share(acknowledged, len(part))))
    delivered = sum(1 for f in outcomes if f.status == "delivered" or f.acknowledged_at)
    acknowledged = sum(1 for f in outcomes if f.acknowledged_at)
    per_month = {m: Counter() for m in months}
    for followup in outcomes:
        state = ("acknowledged" if followup.acknowledged_at else
                 "delivered, not acknowledged" if followup.status == "delivered" else "not yet delivered")
        per_month[month_of(followup.created_at)][state] += 1
    states = ("acknowledged", "delivered, not acknowledged", "not yet delivered")
    return Metric(
        title="Outcomes delivered and acknowledged",
        value="no outcomes" if not outcomes else
        f"{share(delivered, len(outcomes))} delivered, {share(acknowledged, len(outcomes))} acknowledged",
        scope=f"Decisions on recommendations sent to partners as follow-ups (SPEC L1), by or to "
              f"{user.organisation.name}, in the last 12 months ({len(outcomes)} deliveries in all).",
        columns=("", "outcomes", "delivered", "acknowledged", "delivered share", "acknowledged share"), rows=rows,
        chart=bar_chart([month_label(m) for m in months], [(s, [per_month[m][s] for m in months]) for s in states],
                        ylabel="outcomes", stacked=True) if outcomes else None)


@metric(order=40)
def overdue_clocks(user):
    if user.organisation.kind != "licensing":
        return None  # the statutory clocks are a licensing authority's own duties
    clocks = duties.authority_clocks(user.organisation_id)
    rows = [(label, sum(1 for c in clocks if c.duty == duty), sum(1 for c in clocks if c.duty == duty and c.overdue))
            for duty, label in duties.DUTIES.items() if duty != "self_report"]
    overdue = sum(row[2] for row in rows)
    return Metric(
        title="Overdue statutory clocks",
        value=f"{overdue} overdue",
        scope=f"{user.organisation.name}'s open clocks today (SPEC §4.5); a DBS check counts as open "
              f"{duties.DBS_WARNING_DAYS} days before it falls due.",
        columns=("duty", "open", "overdue"), rows=rows,
        chart=bar_chart([row[0].split(" (")[0] for row in rows], [("open", [r[1] for r in rows]),
                                                                   ("overdue", [r[2] for r in rows])],
                        ylabel="clocks") if clocks else None)
