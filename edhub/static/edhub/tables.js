// A table wider than its container scrolls sideways in the container (DSFR .fr-table__container): while it does,
// the container is a focusable region named after the table's caption, so that the keyboard can scroll it too
// (RGAA, axe scrollable-region-focusable). A table that fits adds no tab stop.

const SCROLLING = "edhubScrolling";

function label(container) {
  const caption = container.querySelector("caption");
  const title = caption ? caption.textContent.replace(/\s+/g, " ").trim() : "Tableau";
  return `${title} (défilement horizontal)`;
}

function update(container) {
  const scrolls = container.scrollWidth > container.clientWidth;
  if (scrolls && !container.hasAttribute("tabindex")) {
    container.dataset[SCROLLING] = "";
    container.tabIndex = 0;
    container.setAttribute("role", "region");
    container.setAttribute("aria-label", label(container));
  } else if (!scrolls && SCROLLING in container.dataset) {
    delete container.dataset[SCROLLING];
    for (const name of ["tabindex", "role", "aria-label"]) container.removeAttribute(name);
  }
}

// Both sizes matter: the container's (the window) and the table's (its fonts, a cell's content).
const observer = new ResizeObserver((entries) => {
  for (const entry of entries) update(entry.target.closest(".fr-table__container"));
});
for (const container of document.querySelectorAll(".fr-table__container")) {
  observer.observe(container);
  const table = container.querySelector("table");
  if (table) observer.observe(table);
}
