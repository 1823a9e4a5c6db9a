"""What rq runs for hotspots (jobs take ids and plain values, never model objects)."""
from hotspots import cells, locations


def locate(record_type, record_id):
    """Geocode one record; running it twice has the effect of running it once. Returns what happened."""
    return locations.locate_record(record_type, record_id)


def refresh_cells(params_json):
    """Recompute one analysis after its data changed, and keep it for the maps."""
    params = cells.params_from_json(params_json)
    version = cells.events.data_version()
    cells.store(params, cells.compute(params, version))
