"""Records' indicator on the managers' dashboard: intelligence volume by month (SPEC L8)."""
from collections import Counter

from core.dashboard import Metric, bar_chart, last_months, metric, month_label, month_of, window_start
from records.models import INTELLIGENCE_READERS, IntelligenceEntry


@metric(order=50)
def intelligence_volume(user):
    if not user.roles & INTELLIGENCE_READERS:
        return None  # partners never see intelligence, not even its volume
    months = last_months()
    counts = Counter()
    entries = IntelligenceEntry.select(IntelligenceEntry.created_at, IntelligenceEntry.handling_code).where(
        (IntelligenceEntry.organisation == user.organisation_id)
        & (IntelligenceEntry.created_at >= window_start(months)))
    for created_at, code in entries.tuples():
        counts[month_of(created_at), code] += 1
    rows = [(month_label(m), counts[m, "P"], counts[m, "C"], counts[m, "P"] + counts[m, "C"]) for m in months]
    total = sum(row[3] for row in rows)
    return Metric(
        title="Intelligence volume by month",
        value=f"{total} entries",
        scope=f"Intelligence entries {user.organisation.name} recorded in the last 12 months, by handling code. "
              "Counts only.",
        columns=("month", "P-coded", "C-coded", "all"), rows=rows,
        chart=bar_chart([row[0] for row in rows],
                        [("P-coded", [r[1] for r in rows]), ("C-coded", [r[2] for r in rows])],
                        ylabel="entries", stacked=True) if total else None)
