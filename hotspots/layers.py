"""Marker layers other domains add to the police and specialist map (disruption adds its operation targets).

A layer is a function rows(user) returning [lat, lon, label, url, kind] rows of what user may see; the label is
user text and the map only ever shows it as text (hotspots.maps)."""
_layers = {}


def marker_layer(name):
    """Register rows(user) as the map layer called name."""
    def register(rows):
        _layers[name] = rows
        return rows

    return register


def layers():
    return dict(_layers)
