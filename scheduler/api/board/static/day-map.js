// A clinician's day on a Leaflet map: no tiles, legs as lines, stops numbered.
// The day's data is the page's JSON block (never executed); labels are set as text.
"use strict";

function textElement(text) {
  const element = document.createElement("span");
  element.textContent = text;
  return element;
}

document.addEventListener("DOMContentLoaded", () => {
  const holder = document.getElementById("map");
  const day = JSON.parse(document.getElementById("day-data").textContent);
  if (!holder || day.legs.length === 0) return;
  const map = L.map(holder, { preferCanvas: false, zoomSnap: 0.25, attributionControl: false });
  const legs = day.legs.map((path) =>
    L.polyline(path, { color: "#1f6fd1", weight: 4, opacity: 0.85 }).addTo(map)
  );
  for (const base of day.bases) {
    const icon = L.divIcon({ className: "base-icon", iconSize: [16, 16] });
    L.marker(base.at, { icon: icon }).bindTooltip(textElement(base.label)).addTo(map);
  }
  for (const stop of day.stops) {
    const number = document.createElement("span");
    number.textContent = String(stop.number);
    const icon = L.divIcon({ className: "stop-icon", html: number, iconSize: [24, 24] });
    L.marker(stop.at, { icon: icon, title: stop.label }).bindTooltip(textElement(stop.label)).addTo(map);
  }
  map.fitBounds(L.featureGroup(legs).getBounds(), { padding: [30, 30] });
  holder.dataset.drawn = String(legs.length);
});
