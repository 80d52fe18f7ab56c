// The map of a call: the départements of its territory as a background, its communes as points (GeoJSON of the
// page's endpoint): eligible ones coloured by need score, candidates and laureates above them. The legend and the
// tables are in the page; this script only draws, switches layers and describes the point under the pointer.
import * as maplibregl from "maplibre-gl";
import { createMap, FRANCE_BOUNDS } from "../map/base.js";

const config = JSON.parse(document.getElementById("ami-map-config").textContent);
const status = document.getElementById("ami-map-status");
const CANDIDATE = "#0063cb";
const DECLINED = "#929292";
const LAUREATE = "#18753c";
const number = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });
const LAYERS = {
  eligible: ["eligible-points"],
  dossiers: ["dossier-points"],
  laureates: ["laureate-points"],
};

const { map, tooltip } = createMap("ami-map", {
  style: {
    version: 8,
    sources: {},
    layers: [{ id: "background", type: "background", paint: { "background-color": "#f6f6f6" } }],
  },
});
const loaded = new Promise((resolve) => map.once("load", resolve));

async function fetchJson(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url} : ${response.status}`);
  return response.json();
}

function scoreColour() {
  const [[, first], ...others] = config.scoreClasses;
  return ["step", ["get", "score"], first, ...others.flat()];
}

function addLayers(outline, communes) {
  map.addSource("outline", { type: "geojson", data: outline });
  map.addSource("communes", { type: "geojson", data: communes });
  map.addLayer({ id: "outline-fill", type: "fill", source: "outline", paint: { "fill-color": "#ffffff" } });
  map.addLayer({
    id: "outline-line",
    type: "line",
    source: "outline",
    paint: { "line-color": "#929292", "line-width": 0.8 },
  });
  const radius = (small, large) => ["interpolate", ["linear"], ["zoom"], 5, small, 10, large];
  map.addLayer({
    id: "eligible-points",
    type: "circle",
    source: "communes",
    filter: ["==", ["get", "eligible"], true],
    paint: {
      "circle-color": scoreColour(),
      "circle-radius": radius(2.5, 7),
      "circle-stroke-color": "#3a3a3a",
      "circle-stroke-width": 0.5,
    },
  });
  map.addLayer({
    id: "dossier-points",
    type: "circle",
    source: "communes",
    filter: ["all", ["!=", ["get", "dossier"], null], ["!", ["get", "laureate"]]],
    paint: {
      "circle-color": ["match", ["get", "dossier"], ["refused", "without_follow_up"], DECLINED, CANDIDATE],
      "circle-radius": radius(4, 9),
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 1.5,
    },
  });
  map.addLayer({
    id: "laureate-points",
    type: "circle",
    source: "communes",
    filter: ["==", ["get", "laureate"], true],
    paint: {
      "circle-color": LAUREATE,
      "circle-radius": radius(6, 12),
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 2,
    },
  });
}

function describe(p) {
  const parts = [`${p.name} (${p.code})`];
  if (p.eligible) parts.push(`éligible, rang ${p.rank}, score de besoin ${number.format(p.score)}`);
  if (p.dossier_label) parts.push(`dossier : ${p.dossier_label.toLowerCase()}`);
  return parts.join(" ; ");
}

function bindLayers() {
  for (const [name, layers] of Object.entries(LAYERS)) {
    const box = document.getElementById(`layer-${name}`);
    const apply = () => {
      for (const layer of layers) map.setLayoutProperty(layer, "visibility", box.checked ? "visible" : "none");
    };
    box.addEventListener("change", apply);
    apply();
  }
  const interactive = Object.values(LAYERS).flat();
  map.on("mousemove", (event) => {
    const visible = interactive.filter((layer) => map.getLayoutProperty(layer, "visibility") !== "none");
    const [feature] = map.queryRenderedFeatures(event.point, { layers: visible });
    if (!feature) {
      tooltip.hidden = true;
      map.getCanvas().style.cursor = "";
      return;
    }
    map.getCanvas().style.cursor = "pointer";
    tooltip.textContent = describe(feature.properties);
    tooltip.hidden = false;
    tooltip.style.transform = `translate(${event.point.x + 12}px, ${event.point.y + 12}px)`;
  });
  map.on("mouseout", () => {
    tooltip.hidden = true;
  });
  map.on("click", (event) => {
    const visible = interactive.filter((layer) => map.getLayoutProperty(layer, "visibility") !== "none");
    const [feature] = map.queryRenderedFeatures(event.point, { layers: visible });
    if (!feature) return;
    const p = feature.properties;
    const content = document.createElement("div");
    const text = document.createElement("p");
    text.className = "fr-text--sm fr-mb-1w";
    text.textContent = describe(p);
    const link = document.createElement("a");
    link.className = "fr-link fr-link--sm";
    link.href = config.territoryUrl.replace("__code__", encodeURIComponent(p.code));
    link.textContent = `Fiche de ${p.name}`;
    content.append(text, link);
    new maplibregl.Popup({ maxWidth: "20rem" }).setLngLat(feature.geometry.coordinates).setDOMContent(content).addTo(map);
  });
}

function bounds(features) {
  let box = null;
  const visit = (coordinates) => {
    if (typeof coordinates[0] === "number") {
      const [x, y] = coordinates;
      box = box ? [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)] : [x, y, x, y];
    } else coordinates.forEach(visit);
  };
  for (const feature of features) if (feature.geometry) visit(feature.geometry.coordinates);
  return box && [
    [box[0], box[1]],
    [box[2], box[3]],
  ];
}

async function load() {
  document.body.dataset.mapReady = "0";
  const [outline, communes] = await Promise.all([fetchJson(config.outline), fetchJson(config.data)]);
  await loaded;
  addLayers(outline, communes);
  bindLayers();
  const box = config.france ? FRANCE_BOUNDS : bounds(outline.features) || bounds(communes.features);
  if (box) map.fitBounds(box, { padding: 20, animate: false });
  const count = communes.features.length;
  status.textContent = `${new Intl.NumberFormat("fr-FR").format(count)} communes affichées.`;
  map.once("idle", () => {
    document.body.dataset.mapReady = "1";
  });
  map.triggerRepaint();
}

load().catch((error) => {
  status.textContent = `La carte n’a pas pu être chargée : ${error.message}`;
  throw error;
});
