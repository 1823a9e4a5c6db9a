"""The event sources hotspots registers itself: records' intelligence and premises (hotspots may import records),
and its own locations of concern. Disruption registers its actions in disruption/events.py."""
from hotspots.concerns import LocationOfConcern
from hotspots.events import columns, event_source
from records.models import IntelligenceEntry, IntelligencePremises, Premises


@event_source("intelligence", "Intelligence with a place", tables=("intelligence_entry",))
def intelligence_points(since, until):
    """Each entry at its own place, when it happened."""
    entry = IntelligenceEntry
    return entry.select(*columns(entry.lat, entry.lon, entry.occurred_at, entry.location_precision)).where(
        entry.lat.is_null(False) & (entry.occurred_at >= since) & (entry.occurred_at < until))


@event_source("premises", "Premises named in intelligence", tables=("premises", "intelligence_premises",
                                                                     "intelligence_entry"))
def premises_points(since, until):
    """Each premises once for every intelligence entry that names it, when that entry's event happened: premises
    weigh as much as the intelligence about them."""
    entry = IntelligenceEntry
    return (IntelligencePremises.select(*columns(Premises.lat, Premises.lon, entry.occurred_at,
                                                  Premises.location_precision))
            .join(Premises).switch(IntelligencePremises).join(entry)
            .where(Premises.lat.is_null(False) & (entry.occurred_at >= since) & (entry.occurred_at < until)))


@event_source("concern", "Locations of concern", tables=("location_of_concern",))
def concern_points(since, until):
    concern = LocationOfConcern
    return concern.select(*columns(concern.lat, concern.lon, concern.occurred_at, concern.location_precision)).where(
        concern.lat.is_null(False) & (concern.occurred_at >= since) & (concern.occurred_at < until))
