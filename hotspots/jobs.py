"""What rq runs for hotspots (jobs take ids, never model objects)."""
from hotspots import locations


def locate(record_type, record_id):
    """Geocode one record; running it twice has the effect of running it once. Returns what happened."""
    return locations.locate_record(record_type, record_id)
