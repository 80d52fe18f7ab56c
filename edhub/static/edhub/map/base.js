// What every map of the site shares: MapLibre in French, France in view, no rotation, zoom buttons, and a tooltip
// that follows the pointer (hidden from assistive technologies: the same data are in the page's tables).
import * as maplibregl from "maplibre-gl";

export const FRANCE_BOUNDS = [
  [-5.3, 41.3],
  [9.7, 51.2],
];

/** A map in `container` with `options` added to the shared ones; returns the map and its tooltip element. */
export function createMap(container, options) {
  const map = new maplibregl.Map({
    container,
    bounds: FRANCE_BOUNDS,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    locale: {
      "Map.Title": "Carte",
      "NavigationControl.ZoomIn": "Zoomer",
      "NavigationControl.ZoomOut": "Dézoomer",
      "NavigationControl.ResetBearing": "Réorienter vers le nord",
      "Popup.Close": "Fermer",
    },
    ...options,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.touchZoomRotate.disableRotation();
  const tooltip = document.createElement("div");
  tooltip.className = "map-tooltip";
  tooltip.hidden = true;
  tooltip.setAttribute("aria-hidden", "true");
  map.getContainer().append(tooltip);
  return { map, tooltip };
}
