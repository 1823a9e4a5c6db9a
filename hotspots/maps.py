"""The hotspot maps, drawn with folium and served with the Leaflet files the app installs (never from a CDN).

A map is split into its parts (the stylesheets and scripts it needs, its container and its script) so a page
template can place them under the page's Content-Security-Policy: every file from this server, the script with
the page's nonce. User text never becomes map HTML or script source: markers are built in the browser from
JSON rows with textContent (static/js folium callbacks below), and cells carry only categories and counts.
"""
from dataclasses import dataclass, field

import folium
from branca.element import CssLink, JavascriptLink
from flask import url_for
from folium.features import GeoJsonTooltip
from folium.plugins import FastMarkerCluster, HeatMap

from hotspots.analysis import CATEGORIES

# Colours of the categories: hot spots red to orange, cold spots blue, darker for stronger and more lasting
# patterns, grey for historical ones. The page's legend names each in words, so colour is never the only cue.
COLOURS = {
    "new": "#fdae61", "consecutive": "#f46d43", "intensifying": "#a50026", "persistent": "#d73027",
    "diminishing": "#f4a582", "sporadic": "#fee090", "oscillating": "#c51b7d", "historical": "#bababa",
    "new_cold": "#abd9e9", "consecutive_cold": "#74add1", "intensifying_cold": "#313695",
    "persistent_cold": "#4575b4", "diminishing_cold": "#92c5de", "sporadic_cold": "#e0f3f8",
    "oscillating_cold": "#762a83", "historical_cold": "#d9d9d9", "none": "#ffffff",
}

# The marker rows' columns: lat, lon, label, url, kind. The label is user text: it only ever reaches the page
# through textContent and the title attribute, never as HTML.
MARKER_CALLBACK = """
function callback(row) {
    var popup = document.createElement("div");
    var link = document.createElement("a");
    link.href = row[3];
    link.textContent = row[2];
    popup.appendChild(link);
    var kind = document.createElement("div");
    kind.className = "small text-muted";
    kind.textContent = row[4];
    popup.appendChild(kind);
    return L.marker(new L.LatLng(row[0], row[1]), {title: row[2]}).bindPopup(popup);
}
"""


def colour(category):
    return COLOURS.get(category, "#999999")


@dataclass
class MapParts:
    """A rendered map, split so a template can place it: stylesheet URLs, script URLs, container HTML, script."""

    css: list
    js: list
    html: str
    script: str
    layers: list = field(default_factory=list)


def local_assets():
    """Where each library folium asks for is served from this app (see core's asset routes)."""
    return {
        "leaflet": url_for("core.asset", package="leaflet", filename="leaflet.js"),
        "leaflet_css": url_for("core.asset", package="leaflet", filename="leaflet.css"),
        "markerclusterjs": url_for("core.asset", package="markercluster", filename="leaflet.markercluster.js"),
        "markerclustercss": url_for("core.asset", package="markercluster", filename="MarkerCluster.css"),
        "markerclusterdefaultcss": url_for("core.asset", package="markercluster",
                                           filename="MarkerCluster.Default.css"),
        "leaflet-heat.js": url_for("core.asset", package="folium", filename="leaflet_heat.min.js"),
    }


def _localise(element, assets):
    """Point an element's scripts and stylesheets at this server; a library we do not serve is an error."""
    element.default_js = [(name, assets[name]) for name, _ in getattr(element, "default_js", [])
                          if name in assets or _unserved(name)]
    element.default_css = [(name, assets[name]) for name, _ in getattr(element, "default_css", [])
                           if name in assets or _unserved(name)]
    return element


# Libraries folium's Map asks for that these maps never use (no popups through jQuery, no Bootstrap icons).
UNUSED = {"jquery", "bootstrap", "awesome_markers", "bootstrap_css", "glyphicons_css", "awesome_markers_font_css",
          "awesome_markers_css", "awesome_rotate_css"}


def _unserved(name):
    if name in UNUSED:
        return False
    raise LookupError(f"The map needs {name!r}, which this app does not serve locally.")


def new_map(tile_url, tile_attribution, centre=(53.0, -1.5), zoom=13):
    assets = local_assets()
    folium_map = folium.Map(location=list(centre), zoom_start=zoom, tiles=None, control_scale=True)
    # On the map itself (folium gives max_zoom only to tiles): clustering needs one even with no tiles.
    folium_map.options["maxZoom"] = 19
    _localise(folium_map, assets)
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution, name="Map", max_zoom=19).add_to(folium_map)
    return folium_map, assets


def cell_features(cells, labels, detail):
    """GeoJSON of the cells: category, its label and the count text (already suppressed for partners)."""
    features = []
    for cell in cells:
        properties = {"category": cell["category"], "label": labels.get(cell["category"], cell["category"]),
                      "events": cell["count_text"]}
        if detail:
            properties["records"] = cell["records_link"]
        features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [cell["polygon"]]},
                         "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def add_cells(folium_map, cells, labels, detail, name="Hotspot cells"):
    if not cells:
        return None  # folium's tooltips need at least one feature to describe
    fields, aliases = ["label", "events"], ["Category", "Events"]
    layer = folium.GeoJson(
        cell_features(cells, labels, detail), name=name,
        style_function=lambda feature: {"fillColor": colour(feature["properties"]["category"]), "color": "#555555",
                                        "weight": 0.5, "fillOpacity": 0.6},
        tooltip=GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
        popup=folium.GeoJsonPopup(fields=fields + ["records"], aliases=aliases + [""]) if detail else None,
        zoom_on_click=False)
    layer.add_to(folium_map)
    return layer


def add_markers(folium_map, rows, name, assets):
    cluster = FastMarkerCluster(rows, callback=MARKER_CALLBACK, name=name)
    _localise(cluster, assets)
    cluster.add_to(folium_map)
    return cluster


def add_heat(folium_map, points, name, assets):
    heat = HeatMap(points, name=name, radius=18, blur=14, min_opacity=0.3)
    _localise(heat, assets)
    heat.add_to(folium_map)
    return heat


def render(folium_map, bounds=None, layer_control=True):
    """Split the map into MapParts, checking that nothing it loads comes from another host."""
    if bounds:
        folium_map.fit_bounds(bounds)
    if layer_control:
        folium.LayerControl(collapsed=False).add_to(folium_map)
    figure = folium_map.get_root()
    figure.render()
    css, js = [], []
    for child in figure.header._children.values():
        if isinstance(child, CssLink):
            css.append(child.url)
        elif isinstance(child, JavascriptLink):
            js.append(child.url)
    for url in css + js:
        if not url.startswith("/"):
            raise LookupError(f"The map would load {url} from another host.")
    return MapParts(css=_unique(css), js=_unique(js), html=figure.html.render(), script=figure.script.render())


def _unique(urls):
    return list(dict.fromkeys(urls))


def legend(labels):
    """(category, label, colour) for every category, hot then cold, for the page's text legend."""
    return [(category, label, colour(category)) for category, label in labels.items() if category != "none"]


__all__ = ["CATEGORIES", "MapParts", "add_cells", "add_heat", "add_markers", "legend", "new_map", "render"]
