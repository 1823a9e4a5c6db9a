"""What rq runs for hotspots (jobs take plain values, never models)."""
from hotspots import cells


def refresh_cells(params_json):
    """Recompute one analysis after its data changed, and keep it for the maps."""
    params = cells.params_from_json(params_json)
    version = cells.events.data_version()
    cells.store(params, cells.compute(params, version))
