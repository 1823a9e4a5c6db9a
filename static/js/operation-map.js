// The operation board's map: markers from the JSON the page carries (never inline script), labels as text only.
(function () {
  var box = document.getElementById("operation-map");
  var data = document.getElementById("operation-map-data");
  if (!box || !data || typeof L === "undefined") {
    return;
  }
  var markers = JSON.parse(data.textContent || "[]");
  var map = L.map(box, {scrollWheelZoom: false});
  var tiles = box.getAttribute("data-tile-url");
  if (tiles) {
    L.tileLayer(tiles, {maxZoom: 19}).addTo(map);
  }
  var bounds = [];
  markers.forEach(function (marker) {
    // Build the popup from DOM nodes with textContent: a target's name is user text and must not become HTML.
    var popup = document.createElement("div");
    var link = document.createElement("a");
    link.href = marker.url;
    link.textContent = marker.label;
    var kind = document.createElement("div");
    kind.className = "small text-muted";
    kind.textContent = marker.kind;
    popup.appendChild(link);
    popup.appendChild(kind);
    L.marker([marker.lat, marker.lon], {title: marker.label}).bindPopup(popup).addTo(map);
    bounds.push([marker.lat, marker.lon]);
  });
  if (bounds.length) {
    map.fitBounds(bounds, {padding: [30, 30], maxZoom: 16});
  } else {
    map.setView([53.5, -2.2], 6);  // England, until a target has a location
  }
})();
