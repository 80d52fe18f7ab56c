// The national map: contours from /api/v1/geometries (vector tiles from /api/v1/tiles for the communes of all France),
// one indicator as a choropleth, the schools of a territory as clustered points, and the same data in an accessible
// table. The whole state lives in the query string.
import * as maplibregl from "maplibre-gl";
import { createMap, FRANCE_BOUNDS } from "./base.js";
import { classRanges, METHODS } from "./breaks.js";
import { loadCatalogue } from "./indicators.js";

const app = document.getElementById("map-app");
const API = app.dataset.api;
const ORDER = ["france", "region_academique", "academie", "departement", "commune", "ecole"];
const CHILD = Object.fromEntries(ORDER.slice(0, -1).map((level, i) => [level, ORDER[i + 1]]));
const PLURAL = {
  region_academique: "Régions académiques",
  academie: "Académies",
  departement: "Départements",
  commune: "Communes",
  ecole: "Écoles et établissements",
};
const PALETTE = ["#e3e3fd", "#b1b1f9", "#7b7bf2", "#4141e0", "#000091"]; // DSFR "bleu France", light to dark
const NOT_COMMUNICATED = "#d9d9d9";
const KIND_COLORS = {
  ecole_maternelle: "#f3a35c",
  ecole_elementaire: "#e4794a",
  ecole_primaire: "#b34000",
  college: "#009081",
  lycee_gt: "#6e445a",
  lycee_pro: "#a558a0",
  lycee_polyvalent: "#7d4e5b",
  lycee: "#8d533e",
  erea: "#465f9d",
  autre: "#666666",
};
const KINDS = JSON.parse(document.getElementById("map-kinds").textContent);
const ROWS_PER_PAGE = 100;
const PARENT_NAMES = new Map(); // "level:code" -> {name, parents}

const ui = {
  level: document.getElementById("map-level"),
  indicator: document.getElementById("map-indicator"),
  method: document.getElementById("map-method"),
  trail: document.getElementById("map-trail"),
  sheet: document.getElementById("map-sheet"),
  legend: document.getElementById("map-legend-body"),
  status: document.getElementById("map-status"),
  caption: document.getElementById("map-table-caption"),
  thead: document.querySelector("#map-table thead"),
  tbody: document.querySelector("#map-table tbody"),
  pager: document.getElementById("map-table-pager"),
  exports: document.getElementById("map-exports"),
  search: document.getElementById("map-search"),
  searchInput: document.getElementById("map-search-input"),
};
const collator = new Intl.Collator("fr");
const number = (decimals) => new Intl.NumberFormat("fr-FR", { maximumFractionDigits: decimals });
const geojsonCache = new Map();

// ---- State in the URL ------------------------------------------------------------------------------------------

function readState() {
  const query = new URLSearchParams(window.location.search);
  const parent = query.get("parent") || "";
  const parentLevel = parent.split(":")[0] || "france";
  let level = query.get("level") || CHILD[parentLevel] || "region_academique";
  if (!ORDER.includes(level) || ORDER.indexOf(level) <= ORDER.indexOf(parentLevel)) level = CHILD[parentLevel];
  if (level === "ecole" && !parent) level = "commune";
  const view = (query.get("view") || "").split("/").map(Number);
  return {
    level,
    parent: ORDER.includes(parentLevel) ? parent : "",
    indicator: query.get("indicator") || "",
    method: METHODS[query.get("method")] ? query.get("method") : "quantiles",
    view: view.length === 3 && view.every(Number.isFinite) ? view : null,
  };
}

function stateUrl(s) {
  const query = new URLSearchParams();
  query.set("level", s.level);
  if (s.parent) query.set("parent", s.parent);
  if (s.indicator) query.set("indicator", s.indicator);
  query.set("method", s.method);
  if (s.view) query.set("view", s.view.join("/"));
  return `${window.location.pathname}?${query}`;
}

function drillUrl(level, code) {
  return stateUrl({ ...state, level: CHILD[level], parent: `${level}:${code}`, view: null });
}

function territoryUrl(level, code) {
  return app.dataset.territoryUrl.replace("__level__", level).replace("__code__", encodeURIComponent(code));
}

function schoolUrl(uai) {
  return app.dataset.schoolUrl.replace("__uai__", encodeURIComponent(uai));
}

// ---- Map ----------------------------------------------------------------------------------------------------------

let state = readState();
let catalogue = [];
let current = { features: [], byCode: new Map(), values: new Map(), indicator: null, thresholds: [] };
// Where the areas shown are drawn: a GeoJSON source, or vector tiles for the communes of all France (35,000 contours
// a browser would otherwise parse and cut into tiles itself).
const GEOJSON_AREAS = { layer: "areas", source: "areas" };
const TILED_AREAS = { layer: "tiles", source: "tiles", sourceLayer: "areas" };
let drawn = isTiled(state) ? TILED_AREAS : GEOJSON_AREAS;

function isTiled(s) {
  return s.level === "commune" && !s.parent;
}

// Two workers cut and tessellate the tiles where the default would be one on a two-core machine.
maplibregl.setWorkerCount(Math.max(2, maplibregl.getWorkerCount()));
let generation = 0;
let hovered = null;
let sort = { key: "value", descending: true };
let page = 0;

const { map, tooltip } = createMap("map", {
  style: mapStyle(),
  fadeDuration: 0,
  fitBoundsOptions: { padding: 20 }, // as fitTo does: the first view is not moved again once the data are there
});
// Sources and layers exist from then on; the style counts as "loaded" only once every tile is there.
const styleReady = new Promise((resolve) => map.once("style.load", resolve));

/** The map's style: every source and layer, given to the map at its creation, so that the tiles of the first view
 * are requested at once. */
function mapStyle() {
  const empty = { type: "FeatureCollection", features: [] };
  const sources = {
    areas: { type: "geojson", data: empty, promoteId: "code" },
    tiles: {
      type: "vector",
      tiles: [`${new URL(API, window.location.href).href}tiles/commune/{z}/{x}/{y}.mvt`],
      maxzoom: 8,
      promoteId: "code",
    },
    outline: { type: "geojson", data: empty },
    schools: { type: "geojson", data: empty, cluster: true, clusterRadius: 40, clusterMaxZoom: 14 },
  };
  const layers = [{ id: "background", type: "background", paint: { "background-color": "#f6f6f6" } }];
  for (const areas of [GEOJSON_AREAS, TILED_AREAS]) {
    const source = { source: areas.source, ...(areas.sourceLayer ? { "source-layer": areas.sourceLayer } : {}) };
    const visibility = areas === drawn ? "visible" : "none";
    // The communes of all France are a few pixels wide: their fills get no antialiased outline (it multiplies the
    // cost of every frame by five in a software renderer) and their outlines only show from zoom 7.
    const national = areas === TILED_AREAS;
    layers.push({
      id: `${areas.layer}-fill`,
      type: "fill",
      ...source,
      layout: { visibility },
      paint: {
        // The class of each area (an index in PALETTE) is a feature state: changing the indicator or the class
        // breaks changes states only, never this expression (which would make MapLibre cut the tiles again).
        "fill-color": [
          "match",
          ["coalesce", ["feature-state", "class"], -1],
          ...PALETTE.flatMap((color, index) => [index, color]),
          NOT_COMMUNICATED,
        ],
        "fill-outline-color": "rgba(255, 255, 255, 0.2)",
        "fill-antialias": !national,
        // The communes' tiles arrive one by one; each would cost a frame of 35,000 polygons while the others are
        // still being cut. They are drawn once, all loaded (see whenIdle).
        "fill-opacity": national && drawn === TILED_AREAS ? 0 : 1,
      },
    });
    layers.push({
      id: `${areas.layer}-line`,
      type: "line",
      ...source,
      minzoom: national ? 7 : 0,
      layout: { visibility },
      paint: {
        "line-color": ["case", ["boolean", ["feature-state", "hover"], false], "#161616", "#ffffff"],
        "line-width": ["case", ["boolean", ["feature-state", "hover"], false], 2.5, 0.6],
      },
    });
  }
  layers.push({ id: "outline-fill", type: "fill", source: "outline", paint: { "fill-color": "#ececfe" } });
  layers.push({
    id: "outline-line",
    type: "line",
    source: "outline",
    paint: { "line-color": "#000091", "line-width": 2 },
  });
  layers.push({
    id: "schools-clusters",
    type: "circle",
    source: "schools",
    filter: ["has", "point_count"],
    paint: {
      "circle-color": "#000091",
      "circle-opacity": 0.75,
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 2,
      "circle-radius": ["step", ["get", "point_count"], 12, 10, 16, 50, 22, 200, 28],
    },
  });
  layers.push({
    id: "schools-points",
    type: "circle",
    source: "schools",
    filter: ["!", ["has", "point_count"]],
    paint: {
      "circle-color": ["match", ["get", "kind"], ...Object.entries(KIND_COLORS).flat(), "#666666"],
      "circle-radius": 6,
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 1.5,
    },
  });
  return {
    version: 8,
    sources,
    layers,
    // Colours change at once: an animated change would draw a dozen frames, each costly for 35,000 communes.
    transition: { duration: 0, delay: 0 },
  };
}

const emptySources = new Set(["areas", "outline", "schools"]);

/** Replace the data of a GeoJSON source; emptying an empty one does nothing (it would cost a frame). */
function setData(source, data) {
  const empty = !data.features.length;
  if (empty && emptySources.has(source)) return;
  map.getSource(source).setData(data);
  if (empty) emptySources.add(source);
  else emptySources.delete(source);
}

async function fetchGeojson(url, signal) {
  if (!geojsonCache.has(url)) {
    const promise = fetch(url, { signal }).then((response) => {
      if (!response.ok) throw new Error(`${url} : ${response.status}`);
      return response.json();
    });
    geojsonCache.set(url, promise);
    promise.catch(() => geojsonCache.delete(url));
  }
  return geojsonCache.get(url);
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

async function parentInfo(parent) {
  if (!parent) return null;
  if (!PARENT_NAMES.has(parent)) {
    const [level, code] = parent.split(":");
    const response = await fetch(`${API}territories/${level}/${encodeURIComponent(code)}`);
    if (!response.ok) throw new Error(`Territoire inconnu : ${parent}`);
    PARENT_NAMES.set(parent, await response.json());
  }
  return PARENT_NAMES.get(parent);
}

// ---- Loading a state ------------------------------------------------------------------------------------------------

async function load({ fit = true } = {}) {
  const mine = ++generation;
  document.body.dataset.mapReady = "0";
  ui.status.textContent = "Chargement…";
  try {
    const info = await parentInfo(state.parent);
    if (mine !== generation) return;
    renderControls(info);
    let features;
    if (state.level === "ecole") {
      const [outline, schools] = await Promise.all([
        fetchGeojson(`${API}territories/${info.level}/${encodeURIComponent(info.code)}?geometry=true`),
        fetchGeojson(`${API}geometries/schools?territory=${encodeURIComponent(state.parent)}`),
      ]);
      if (mine !== generation) return;
      const own = outline.geometry ? [{ type: "Feature", geometry: outline.geometry, properties: {} }] : [];
      setData("areas", { type: "FeatureCollection", features: [] });
      setData("outline", { type: "FeatureCollection", features: own });
      setData("schools", schools);
      features = schools.features;
      current = { features, byCode: new Map(), values: new Map(), indicator: null, thresholds: [] };
      renderSchoolsLegend(features);
      if (fit) fitTo(bounds(own.length ? own : features));
    } else {
      // The communes of all France come as vector tiles: only their names and codes as GeoJSON here.
      const tiled = isTiled(state);
      const detail = tiled ? "none" : state.parent ? "high" : "low";
      const query = new URLSearchParams({ detail });
      if (state.parent) query.set("parent", state.parent);
      // The values of an API indicator are fetched beside the contours, not after them.
      const indicator = chosenIndicator();
      const pending = indicator.remote ? indicator.values({ level: state.level, parent: state.parent }) : null;
      pending?.catch(() => {}); // reported by applyIndicator
      const data = await fetchGeojson(`${API}geometries/${state.level}?${query}`);
      if (mine !== generation) return;
      // Every feature of the view gets its value below; removeFeatureState first would make that quadratic.
      hideTooltip();
      draw(tiled ? TILED_AREAS : GEOJSON_AREAS);
      setData("areas", tiled ? { type: "FeatureCollection", features: [] } : data);
      setData("outline", { type: "FeatureCollection", features: [] });
      setData("schools", { type: "FeatureCollection", features: [] });
      features = data.features;
      const byCode = new Map(features.map((feature) => [feature.properties.code, feature.properties]));
      current = { features, byCode, values: new Map(), indicator: null, thresholds: [] };
      await applyIndicator(mine, pending);
      if (mine !== generation) return;
      if (fit) fitTo(state.parent ? bounds(features) : null);
    }
    page = 0;
    renderTable();
    ui.status.textContent = statusText();
    whenIdle(mine);
  } catch (error) {
    if (mine !== generation) return;
    ui.status.textContent = `La carte n’a pas pu être chargée : ${error.message}`;
    throw error;
  }
}

/** Show the areas of one source, hide those of the other. */
function draw(areas) {
  if (drawn === areas) return;
  for (const layer of [GEOJSON_AREAS.layer, TILED_AREAS.layer]) {
    const visibility = layer === areas.layer ? "visible" : "none";
    map.setLayoutProperty(`${layer}-fill`, "visibility", visibility);
    map.setLayoutProperty(`${layer}-line`, "visibility", visibility);
  }
  if (areas === TILED_AREAS) map.setPaintProperty(`${TILED_AREAS.layer}-fill`, "fill-opacity", 0);
  drawn = areas;
}

function areaState(code) {
  return { source: drawn.source, sourceLayer: drawn.sourceLayer, id: code };
}

function fitTo(box) {
  if (state.view) {
    map.jumpTo({ zoom: state.view[0], center: [state.view[2], state.view[1]] });
  } else {
    map.fitBounds(box || FRANCE_BOUNDS, { padding: 20, animate: false });
  }
}

function whenIdle(mine) {
  map.once("idle", () => {
    if (mine !== generation) return;
    const fill = `${drawn.layer}-fill`;
    if (map.getPaintProperty(fill, "fill-opacity") === 0) {
      // Every tile is loaded and cut: now draw them, in one frame.
      map.setPaintProperty(fill, "fill-opacity", 1);
      whenIdle(mine);
      return;
    }
    document.body.dataset.mapReady = "1";
    performance.mark("map-ready"); // read by the benchmarks: the first one is the first complete render
  });
  map.triggerRepaint();
}

/** The indicator shown: that of the state when it exists at the level shown, else the first that does. */
function chosenIndicator() {
  const available = catalogue.filter((i) => !i.levels || i.levels.includes(state.level));
  return available.find((i) => i.slug === state.indicator) || available[0];
}

async function applyIndicator(mine, pending = null) {
  const indicator = chosenIndicator();
  current.failed = "";
  state.indicator = indicator.slug;
  ui.indicator.value = indicator.slug;
  let values;
  try {
    values = await (pending ?? indicator.values({ level: state.level, parent: state.parent, features: current.features }));
  } catch (error) {
    // The contours stay on the map, every value "N.C.": better than no map at all.
    reportError(error);
    values = new Map();
    current.failed = `Valeurs indisponibles pour « ${indicator.label} ».`;
  }
  if (mine !== generation) return;
  current.values = values;
  current.indicator = indicator;
  applyClasses();
}

/** Class breaks of the values shown, each area coloured by its class (a feature state), and the legend. */
function applyClasses() {
  const values = current.features.map((f) => current.values.get(f.properties.code));
  const thresholds = METHODS[state.method](values, PALETTE.length);
  current.thresholds = thresholds;
  const offset = PALETTE.length - thresholds.length - 1;
  current.features.forEach((feature, index) => {
    const value = values[index];
    let cls = -1; // N.C.
    if (typeof value === "number") {
      cls = 0;
      while (cls < thresholds.length && value >= thresholds[cls]) cls += 1;
      cls += offset;
    }
    map.setFeatureState(areaState(feature.properties.code), { class: cls });
  });
  renderLegend(values, thresholds, PALETTE.slice(offset));
}

// ---- Controls, legend, table ----------------------------------------------------------------------------------------

function renderControls(info) {
  const parentLevel = state.parent ? state.parent.split(":")[0] : "france";
  for (const option of ui.level.options) {
    option.disabled = ORDER.indexOf(option.value) <= ORDER.indexOf(parentLevel) || (option.value === "ecole" && !state.parent);
  }
  ui.level.value = state.level;
  ui.method.value = state.method;
  for (const option of ui.indicator.options) {
    const indicator = catalogue.find((i) => i.slug === option.value);
    option.disabled = Boolean(indicator.levels) && !indicator.levels.includes(state.level);
  }
  ui.indicator.value = state.indicator || catalogue[0].slug;
  ui.indicator.disabled = ui.method.disabled = state.level === "ecole";

  const trail = [{ label: "France", url: stateUrl({ ...state, level: "region_academique", parent: "", view: null }) }];
  if (info) {
    for (const ancestor of [...info.parents].reverse()) {
      if (ancestor.level === "france" || !CHILD[ancestor.level]) continue;
      trail.push({ label: ancestor.name, url: drillUrl(ancestor.level, ancestor.code) });
    }
    trail.push({ label: info.name, url: null });
  } else {
    trail[0].url = null;
  }
  ui.trail.replaceChildren(
    ...trail.map((step) => {
      const item = document.createElement("li");
      if (step.url) {
        const link = document.createElement("a");
        link.href = step.url;
        link.className = "fr-link fr-link--sm";
        link.textContent = step.label;
        link.dataset.navigate = "";
        item.append(link);
      } else {
        const strong = document.createElement("strong");
        strong.textContent = step.label;
        strong.setAttribute("aria-current", "page");
        item.append(strong);
      }
      return item;
    }),
  );
  ui.sheet.replaceChildren();
  if (info) {
    const link = document.createElement("a");
    link.className = "fr-link fr-icon-arrow-right-line fr-link--icon-right";
    link.href = territoryUrl(info.level, info.code);
    link.textContent = `Fiche du territoire : ${info.name}`;
    ui.sheet.append(link);
  }
}

function caption() {
  const where = PARENT_NAMES.get(state.parent)?.name || "France";
  if (state.level === "ecole") return `Écoles et établissements localisés de ${where}`;
  const indicator = current.indicator;
  return `${PLURAL[state.level]} de ${where} : ${indicator.label} (${indicator.unit})`;
}

function statusText() {
  const count = current.features.length;
  if (state.level === "ecole") return `${number(0).format(count)} écoles et établissements localisés affichés.`;
  const shown = `${number(0).format(count)} territoires affichés, ${current.indicator.label.toLowerCase()}.`;
  return current.failed ? `${shown} ${current.failed}` : shown;
}

function swatch(color) {
  const span = document.createElement("span");
  span.className = "map-swatch";
  span.style.backgroundColor = color;
  span.setAttribute("aria-hidden", "true");
  return span;
}

function legendList(items) {
  const list = document.createElement("ul");
  list.className = "map-legend__list";
  for (const [color, text] of items) {
    const item = document.createElement("li");
    item.append(swatch(color), document.createTextNode(text));
    list.append(item);
  }
  return list;
}

function renderLegend(values, thresholds, colors) {
  const format = number(current.indicator.decimals);
  const ranges = classRanges(values, thresholds);
  const missing = values.filter((v) => typeof v !== "number").length;
  const items = ranges.map((r) => [
    colors[r.index],
    `${format.format(r.min)} à ${format.format(r.max)} (${number(0).format(r.count)})`,
  ]);
  if (missing) items.push([NOT_COMMUNICATED, `N.C. (${number(0).format(missing)})`]);
  const title = document.createElement("p");
  const partial = current.values.partial?.size || 0;
  const coverage = document.createElement("p");
  coverage.className = "fr-text--xs fr-mb-1w";
  coverage.textContent = partial
    ? `Couverture partielle pour ${number(0).format(partial)} territoire${partial > 1 ? "s" : ""} sur ${number(0).format(values.length)} : valeur construite sur une partie des données seulement (voir la fiche du territoire). N.C. : aucune donnée, ou couverture nulle.`
    : "";
  title.className = "fr-text--sm fr-mb-1w";
  const method = ui.method.options[ui.method.selectedIndex].text.toLowerCase();
  title.textContent = `${current.indicator.label} (${current.indicator.unit}), ${method}`;
  const source = document.createElement("p");
  source.className = "fr-text--xs fr-mb-0";
  source.textContent = current.indicator.source ? `Source : ${current.indicator.source}` : "";
  ui.legend.replaceChildren(title, legendList(items), coverage, source);
}

function renderSchoolsLegend(features) {
  const counts = new Map();
  for (const feature of features) counts.set(feature.properties.kind, (counts.get(feature.properties.kind) || 0) + 1);
  const items = Object.keys(KIND_COLORS)
    .filter((kind) => counts.has(kind))
    .map((kind) => [KIND_COLORS[kind], `${KINDS[kind] || kind} (${number(0).format(counts.get(kind))})`]);
  const title = document.createElement("p");
  title.className = "fr-text--sm fr-mb-1w";
  title.textContent = "Écoles et établissements par type ; les cercles bleus regroupent plusieurs points.";
  ui.legend.replaceChildren(title, legendList(items));
}

function columns() {
  if (state.level === "ecole") {
    return [
      { key: "name", label: "Nom" },
      { key: "uai", label: "UAI" },
      { key: "kind", label: "Type" },
      { key: "sector", label: "Secteur" },
    ];
  }
  return [
    { key: "name", label: "Nom" },
    { key: "code", label: "Code" },
    { key: "value", label: `${current.indicator.label} (${current.indicator.unit})`, numeric: true },
    { key: "sheet", label: "Fiche", sortable: false },
  ];
}

function rows() {
  if (state.level === "ecole") {
    return current.features.map(({ properties: p }) => ({
      name: p.name,
      uai: p.uai,
      kind: KINDS[p.kind] || p.kind,
      sector: p.sector === "public" ? "Public" : p.sector === "prive" ? "Privé" : "N.C.",
    }));
  }
  return current.features.map(({ properties: p }) => ({
    name: p.name,
    code: p.code,
    level: p.level,
    value: current.values.get(p.code) ?? null,
  }));
}

/** A name folded for sorting: without accents nor case, punctuation and spaces ignored, as the French collator
 * would order it but comparable with `<` (a collator takes a quarter of a second for 35,000 communes). */
function sortKey(name) {
  return name
    .normalize("NFD")
    .replace(/[^\p{L}\p{N}]/gu, "")
    .toLowerCase()
    .replace(/œ/g, "oe")
    .replace(/æ/g, "ae");
}

/** The rank of each row's name in French alphabetical order, computed once per view (35,000 communes). */
function nameRanks(all) {
  if (current.nameRanks?.length !== all.length) {
    const keys = all.map((row) => sortKey(row.name));
    const order = all.map((row, index) => index).sort((i, j) => (keys[i] < keys[j] ? -1 : keys[i] > keys[j] ? 1 : 0));
    current.nameRanks = new Int32Array(all.length);
    order.forEach((index, rank) => (current.nameRanks[index] = rank));
  }
  return current.nameRanks;
}

function sortedRows() {
  const all = rows();
  const ranks = nameRanks(all);
  all.forEach((row, index) => (row.rank = ranks[index]));
  const key = columns().some((c) => c.key === sort.key) ? sort.key : "name";
  const direction = sort.descending ? -1 : 1;
  return all.sort((a, b) => {
    const x = key === "name" ? a.rank : a[key];
    const y = key === "name" ? b.rank : b[key];
    if (x == null || y == null) return x == null ? (y == null ? 0 : 1) : -1; // N.C. last
    const order = typeof x === "number" ? x - y : collator.compare(String(x), String(y));
    return order * direction || a.rank - b.rank;
  });
}

function cell(tag, content, numeric = false) {
  const element = document.createElement(tag);
  if (numeric) element.className = "fr-cell--right";
  if (content instanceof Node) element.append(content);
  else element.textContent = content;
  return element;
}

function link(href, text, navigate = false) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  if (navigate) a.dataset.navigate = "";
  return a;
}

function renderTable() {
  const cols = columns();
  const header = document.createElement("tr");
  for (const column of cols) {
    const th = document.createElement("th");
    th.scope = "col";
    if (column.numeric) th.className = "fr-cell--right";
    if (column.sortable === false) {
      th.textContent = column.label;
    } else {
      const active = sort.key === column.key;
      if (active) th.setAttribute("aria-sort", sort.descending ? "descending" : "ascending");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "map-sort";
      button.dataset.sort = column.key;
      button.textContent = column.label;
      const hint = document.createElement("span");
      hint.className = "fr-sr-only";
      hint.textContent = active ? (sort.descending ? " (tri décroissant)" : " (tri croissant)") : " (trier)";
      button.append(hint);
      th.append(button);
    }
    header.append(th);
  }
  ui.thead.replaceChildren(header);

  const all = sortedRows();
  const pages = Math.max(1, Math.ceil(all.length / ROWS_PER_PAGE));
  page = Math.min(page, pages - 1);
  const start = page * ROWS_PER_PAGE;
  const shown = all.slice(start, start + ROWS_PER_PAGE);
  const format = current.indicator ? number(current.indicator.decimals) : null;
  ui.tbody.replaceChildren(
    ...shown.map((row) => {
      const tr = document.createElement("tr");
      if (state.level === "ecole") {
        tr.append(
          cell("th", link(schoolUrl(row.uai), row.name)),
          cell("td", row.uai),
          cell("td", row.kind),
          cell("td", row.sector),
        );
      } else {
        const name = CHILD[row.level] ? link(drillUrl(row.level, row.code), row.name, true) : row.name;
        const sheet = link(territoryUrl(row.level, row.code), "Fiche");
        sheet.title = `Fiche de ${row.name}`;
        tr.append(
          cell("th", name),
          cell("td", row.code),
          cell("td", row.value == null ? "N.C." : format.format(row.value), true),
          cell("td", sheet),
        );
      }
      tr.firstChild.scope = "row";
      return tr;
    }),
  );
  if (!shown.length) {
    const tr = document.createElement("tr");
    const td = cell("td", "Aucune donnée à afficher pour ce territoire.");
    td.colSpan = cols.length;
    tr.append(td);
    ui.tbody.append(tr);
  }
  const pageText = pages > 1 ? ` (lignes ${start + 1} à ${start + shown.length} sur ${number(0).format(all.length)})` : "";
  ui.caption.textContent = caption() + pageText;
  renderPager(pages);
  renderExports();
}

// Links to the API's exports of the values shown (indicators of the API only, not the schools' points).
function renderExports() {
  const indicator = current.indicator;
  if (state.level === "ecole" || !indicator?.remote) {
    ui.exports.replaceChildren();
    return;
  }
  const query = new URLSearchParams({ level: state.level });
  if (state.parent) query.set("parent", state.parent);
  const links = [["csv", "CSV"], ["xlsx", "XLSX"], ["geojson", "GeoJSON"]].map(([format, label]) => {
    query.set("format", format);
    const a = link(`${API}indicators/${encodeURIComponent(indicator.slug)}/values?${query}`, label);
    a.className = "fr-link fr-icon-download-line fr-link--icon-left fr-ml-1w";
    return a;
  });
  ui.exports.replaceChildren("Exporter ces valeurs :", ...links);
}

function renderPager(pages) {
  ui.pager.replaceChildren();
  if (pages <= 1) return;
  const previous = document.createElement("button");
  previous.type = "button";
  previous.className = "fr-btn fr-btn--secondary fr-btn--sm fr-mr-1w";
  previous.textContent = "Lignes précédentes";
  previous.disabled = page === 0;
  previous.dataset.page = String(page - 1);
  const next = document.createElement("button");
  next.type = "button";
  next.className = "fr-btn fr-btn--secondary fr-btn--sm";
  next.textContent = "Lignes suivantes";
  next.disabled = page >= pages - 1;
  next.dataset.page = String(page + 1);
  ui.pager.append(previous, next);
}

// ---- Interactions ---------------------------------------------------------------------------------------------------

function navigate(url, { push = true } = {}) {
  if (push) window.history.pushState(null, "", url);
  state = readState();
  load().catch(reportError);
}

function reportError(error) {
  console.error(error);
}

function updateUrl() {
  window.history.replaceState(null, "", stateUrl(state));
}

function showTooltip(point, text) {
  tooltip.textContent = text;
  tooltip.hidden = false;
  tooltip.style.transform = `translate(${point.x + 12}px, ${point.y + 12}px)`;
}

function hideTooltip() {
  tooltip.hidden = true;
  if (hovered !== null) map.setFeatureState(areaState(hovered), { hover: false });
  hovered = null;
  map.getCanvas().style.cursor = "";
}

function bindMap() {
  const fills = [`${GEOJSON_AREAS.layer}-fill`, `${TILED_AREAS.layer}-fill`];
  map.on("mousemove", fills, (event) => {
    const code = event.features[0].properties.code;
    const properties = current.byCode.get(code);
    if (!properties) return;
    if (hovered !== code) {
      if (hovered !== null) map.setFeatureState(areaState(hovered), { hover: false });
      hovered = code;
      map.setFeatureState(areaState(code), { hover: true });
    }
    const value = current.values.get(code);
    let text = value == null ? "N.C." : `${number(current.indicator.decimals).format(value)} ${current.indicator.unit}`;
    const partial = current.values.partial?.get(code);
    if (value != null && partial != null) text += ` (couverture partielle : ${number(1).format(100 * partial)} %)`;
    map.getCanvas().style.cursor = "pointer";
    showTooltip(event.point, `${properties.name} : ${text}`);
  });
  map.on("mouseleave", fills, hideTooltip);
  map.on("click", fills, (event) => {
    const properties = current.byCode.get(event.features[0].properties.code);
    hideTooltip();
    if (properties && CHILD[properties.level]) navigate(drillUrl(properties.level, properties.code));
  });
  map.on("mousemove", "schools-points", (event) => {
    const p = event.features[0].properties;
    map.getCanvas().style.cursor = "pointer";
    showTooltip(event.point, `${p.name} (${KINDS[p.kind] || p.kind})`);
  });
  map.on("mouseleave", "schools-points", hideTooltip);
  map.on("click", "schools-points", (event) => {
    const feature = event.features[0];
    const content = document.createElement("div");
    const title = document.createElement("p");
    title.className = "fr-text--bold fr-mb-1v";
    title.textContent = feature.properties.name;
    const type = document.createElement("p");
    type.className = "fr-text--sm fr-mb-1v";
    type.textContent = `${KINDS[feature.properties.kind] || ""} · UAI ${feature.properties.uai}`;
    content.append(title, type, link(schoolUrl(feature.properties.uai), "Fiche de l’établissement"));
    new maplibregl.Popup({ closeButton: true }).setLngLat(feature.geometry.coordinates).setDOMContent(content).addTo(map);
  });
  map.on("mousemove", "schools-clusters", (event) => {
    map.getCanvas().style.cursor = "pointer";
    const count = event.features[0].properties.point_count;
    showTooltip(event.point, `${number(0).format(count)} écoles et établissements : cliquer pour zoomer`);
  });
  map.on("mouseleave", "schools-clusters", hideTooltip);
  map.on("click", "schools-clusters", async (event) => {
    const feature = event.features[0];
    const zoom = await map.getSource("schools").getClusterExpansionZoom(feature.properties.cluster_id);
    map.easeTo({ center: feature.geometry.coordinates, zoom });
  });
  map.on("moveend", () => {
    const center = map.getCenter();
    state.view = [Number(map.getZoom().toFixed(2)), Number(center.lat.toFixed(4)), Number(center.lng.toFixed(4))];
    updateUrl();
  });
}

function bindControls() {
  ui.indicator.addEventListener("change", async () => {
    state.indicator = ui.indicator.value;
    updateUrl();
    const mine = ++generation;
    document.body.dataset.mapReady = "0";
    await applyIndicator(mine);
    if (mine !== generation) return;
    renderTable();
    ui.status.textContent = statusText();
    whenIdle(mine);
  });
  ui.method.addEventListener("change", () => {
    state.method = ui.method.value;
    updateUrl();
    applyClasses();
  });
  ui.level.addEventListener("change", () => {
    navigate(stateUrl({ ...state, level: ui.level.value, view: null }));
  });
  app.addEventListener("click", (event) => {
    const target = event.target.closest("a[data-navigate], button[data-sort], button[data-page]");
    if (!target) return;
    if (target.dataset.sort) {
      sort = { key: target.dataset.sort, descending: sort.key === target.dataset.sort ? !sort.descending : false };
      renderTable();
      ui.thead.querySelector(`button[data-sort="${target.dataset.sort}"]`).focus();
    } else if (target.dataset.page) {
      page = Number(target.dataset.page);
      renderTable();
      ui.caption.scrollIntoView({ block: "nearest" });
    } else if (!(event.ctrlKey || event.metaKey || event.shiftKey)) {
      event.preventDefault();
      navigate(target.href);
      document.getElementById("map").scrollIntoView({ block: "nearest" });
    }
  });
  ui.search.addEventListener("submit", async (event) => {
    event.preventDefault();
    const q = ui.searchInput.value.trim();
    if (!q) return;
    const response = await fetch(`${API}territories?${new URLSearchParams({ q, page_size: 20 })}`);
    const items = response.ok ? (await response.json()).items : [];
    const found = items.find((t) => CHILD[t.level] && t.level !== "france");
    if (found) navigate(drillUrl(found.level, found.code));
    else window.location.href = `${app.dataset.searchUrl}?${new URLSearchParams({ q })}`;
  });
  window.addEventListener("popstate", () => {
    state = readState();
    load().catch(reportError);
  });
}

async function start() {
  catalogue = await loadCatalogue(API);
  ui.indicator.replaceChildren(
    ...catalogue.map((indicator) => {
      const option = document.createElement("option");
      option.value = indicator.slug;
      option.textContent = indicator.label;
      return option;
    }),
  );
  if (!catalogue.some((i) => i.slug === state.indicator)) state.indicator = catalogue[0].slug;
  // The style is enough to start: data are fetched while the first tiles are still being cut (the "load" event
  // would wait for them).
  await styleReady;
  bindMap();
  bindControls();
  await load();
}

start().catch(reportError);
