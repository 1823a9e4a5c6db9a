// The placing map: a click (or a click on a gazetteer address) puts the marker there and fills the latitude and
// longitude fields; typing in the fields moves the marker. Data comes from the JSON the page carries, never inline
// script, and addresses are set as text only.
(function () {
  var box = document.getElementById("place-map");
  var data = document.getElementById("place-map-data");
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  if (!box || !data || !lat || !lon || typeof L === "undefined") {
    return;
  }
  var place = JSON.parse(data.textContent || "{}");
  var map = L.map(box, {scrollWheelZoom: false});
  var tiles = box.getAttribute("data-tile-url");
  if (tiles) {
    L.tileLayer(tiles, {maxZoom: 19}).addTo(map);
  }
  var marker = null;

  function put(latitude, longitude) {
    if (marker === null) {
      marker = L.marker([latitude, longitude], {draggable: true, title: "The place"}).addTo(map);
      marker.on("dragend", function () {
        var point = marker.getLatLng();
        fill(point.lat, point.lng);
      });
    } else {
      marker.setLatLng([latitude, longitude]);
    }
  }

  function fill(latitude, longitude) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
  }

  var bounds = [];
  (place.nearby || []).forEach(function (address) {
    var dot = L.circleMarker([address.lat, address.lon], {radius: 5, weight: 1});
    var label = document.createElement("span");
    label.textContent = address.label;  // user data: text, never HTML
    dot.bindTooltip(label);
    dot.on("click", function (event) {
      L.DomEvent.stopPropagation(event);
      put(address.lat, address.lon);
      fill(address.lat, address.lon);
    });
    dot.addTo(map);
    bounds.push([address.lat, address.lon]);
  });

  map.on("click", function (event) {
    put(event.latlng.lat, event.latlng.lng);
    fill(event.latlng.lat, event.latlng.lng);
  });

  function typed() {
    var latitude = parseFloat(lat.value);
    var longitude = parseFloat(lon.value);
    if (isFinite(latitude) && isFinite(longitude)) {
      put(latitude, longitude);
      map.panTo([latitude, longitude]);
    }
  }
  lat.addEventListener("change", typed);
  lon.addEventListener("change", typed);

  var start = place.current || null;
  var typedLat = parseFloat(lat.value);
  var typedLon = parseFloat(lon.value);
  if (isFinite(typedLat) && isFinite(typedLon)) {
    start = {lat: typedLat, lon: typedLon};  // shown again after a refused save
  }
  if (start) {
    put(start.lat, start.lon);
    map.setView([start.lat, start.lon], 17);
  } else if (bounds.length) {
    map.fitBounds(bounds, {padding: [30, 30], maxZoom: 17});
  } else if (place.centre) {
    map.setView([place.centre.lat, place.centre.lon], 16);
  } else {
    map.setView([54.5, -3], 5);  // the United Kingdom, until something better is known
  }
})();
