// Where the values of the choropleth come from. An indicator is {slug, label, unit, decimals, values(context)}:
// `values` resolves to a Map code -> number|null for the territories of the current view (for the API's indicators,
// its `partial` property maps the codes of partial values to their coverage). The catalogue of the API
// (/api/v1/indicators) comes first when it answers; attributes of the contours themselves are always there.

const BUILTIN = [
  {
    slug: "population",
    label: "Population municipale",
    unit: "hab.",
    decimals: 0,
    source: "Populations légales (INSEE), avec la géographie de référence",
    of: (p) => p.population,
  },
  {
    slug: "densite",
    label: "Densité de population",
    unit: "hab./km²",
    decimals: 1,
    source: "Populations légales et superficies (INSEE, IGN), avec la géographie de référence",
    of: (p) => (p.population != null && p.area_km2 ? p.population / p.area_km2 : null),
  },
  {
    slug: "superficie",
    label: "Superficie",
    unit: "km²",
    decimals: 1,
    source: "Contours de la géographie de référence",
    of: (p) => p.area_km2,
  },
].map((indicator) => ({
  ...indicator,
  values: async ({ features }) => new Map(features.map((f) => [f.properties.code, indicator.of(f.properties)])),
}));

function remoteIndicator(api, item) {
  return {
    slug: item.slug,
    label: item.label,
    unit: item.unit || "",
    decimals: item.decimals ?? 1,
    levels: item.levels || null,
    source: (item.sources || []).map((source) => source.title).join(", "),
    remote: true,
    values: async ({ level, parent, signal }) => {
      const query = new URLSearchParams({ level });
      if (parent) query.set("parent", parent);
      const response = await fetch(`${api}indicators/${encodeURIComponent(item.slug)}/values?${query}`, { signal });
      if (!response.ok) throw new Error(`valeurs de ${item.slug} : ${response.status}`);
      const data = await response.json();
      const rows = data.values || [];
      const values = new Map(rows.map((row) => [row.code, row.value]));
      // The codes whose value is partial (coverage under 100 %), with their coverage: said in the legend and tooltip.
      values.partial = new Map(rows.filter((row) => row.coverage_status === "partial").map((row) => [row.code, row.coverage]));
      return values;
    },
  };
}

/** The indicators the map offers: the API's public catalogue when it is there, then the built-in ones. */
export async function loadCatalogue(api) {
  let remote = [];
  try {
    const response = await fetch(`${api}indicators`, { headers: { Accept: "application/json" } });
    if (response.ok) {
      const data = await response.json();
      const items = Array.isArray(data) ? data : data.items || data.indicators || [];
      remote = items.filter((item) => item.slug && item.label).map((item) => remoteIndicator(api, item));
    }
  } catch {
    remote = [];
  }
  const taken = new Set(remote.map((indicator) => indicator.slug));
  return [...remote, ...BUILTIN.filter((indicator) => !taken.has(indicator.slug))];
}
