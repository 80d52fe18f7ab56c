// Charts of the site, drawn with Chart.js (loaded before this module) from the JSON data each <figure
// data-chart="id"> names. Progressive enhancement: the figure's data table is the content, the chart is added.
const { Chart } = window;
const LOCALE = "fr-FR";
const BLUE = "#000091"; // DSFR blue-france-sun-113

function formatter(decimals) {
  const format = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: decimals });
  return (value) => format.format(value);
}

function draw(figure) {
  const data = JSON.parse(document.getElementById(figure.dataset.chart).textContent);
  const format = formatter(data.decimals);
  const holder = figure.querySelector("[data-chart-canvas]");
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `${data.title}. Les valeurs figurent dans le tableau « Données du graphique ».`);
  holder.style.height = data.type === "bar" && data.labels.length > 40 ? "22rem" : "18rem";
  holder.append(canvas);
  const line = data.type === "line";
  new Chart(canvas, {
    type: data.type,
    data: {
      labels: data.labels,
      datasets: [
        {
          label: data.unit,
          data: data.values,
          backgroundColor: BLUE,
          borderColor: BLUE,
          pointRadius: line ? 4 : 0,
        },
      ],
    },
    options: {
      locale: LOCALE,
      animation: false,
      maintainAspectRatio: false,
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item) => `${format(item.parsed.y)} ${data.unit}` } },
      },
      scales: {
        x: { ticks: { display: line || data.labels.length <= 40, autoSkip: true } },
        y: { beginAtZero: !line, ticks: { callback: (value) => format(value) } },
      },
    },
  });
  figure.classList.add("edhub-chart--drawn");
}

if (Chart) {
  document.querySelectorAll("figure[data-chart]").forEach(draw);
}
