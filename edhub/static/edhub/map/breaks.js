// Class breaks of a choropleth. A classification is a sorted list of thresholds: a value v falls in class i when
// exactly i thresholds are <= v (what MapLibre's "step" expression does), so k classes have k - 1 thresholds.

const JENKS_SAMPLE = 1000; // Fisher-Jenks is quadratic: above this many values it runs on evenly spaced quantiles.

function sortedNumbers(values) {
  return values.filter((v) => typeof v === "number" && Number.isFinite(v)).sort((a, b) => a - b);
}

function uniqueThresholds(thresholds, sorted) {
  // A threshold equal to the minimum would leave the first class empty; equal thresholds leave a class empty.
  return [...new Set(thresholds)].filter((t) => t > sorted[0]).sort((a, b) => a - b);
}

/** Thresholds putting (about) the same number of values in each of `k` classes. */
export function quantiles(values, k) {
  const sorted = sortedNumbers(values);
  if (sorted.length === 0) return [];
  const thresholds = [];
  for (let i = 1; i < k; i++) thresholds.push(sorted[Math.floor((i * sorted.length) / k)]);
  return uniqueThresholds(thresholds, sorted);
}

/** Upper bounds of the `k` classes minimising the within-class variance of sorted `data` (Fisher-Jenks). */
function jenksUpperBounds(data, k) {
  const n = data.length;
  const lower = Array.from({ length: n + 1 }, () => new Int32Array(k + 1));
  const variance = Array.from({ length: n + 1 }, () => new Float64Array(k + 1).fill(Infinity));
  for (let j = 1; j <= k; j++) {
    lower[1][j] = 1;
    variance[1][j] = 0;
  }
  for (let l = 2; l <= n; l++) {
    let sum = 0;
    let sumSquares = 0;
    let w = 0;
    let v = 0;
    for (let m = 1; m <= l; m++) {
      const i = l - m + 1;
      const value = data[i - 1];
      w += 1;
      sum += value;
      sumSquares += value * value;
      v = sumSquares - (sum * sum) / w;
      if (i > 1) {
        for (let j = 2; j <= k; j++) {
          if (variance[l][j] >= v + variance[i - 1][j - 1]) {
            lower[l][j] = i;
            variance[l][j] = v + variance[i - 1][j - 1];
          }
        }
      }
    }
    lower[l][1] = 1;
    variance[l][1] = v;
  }
  const bounds = [];
  let end = n;
  for (let j = k; j >= 2; j--) {
    const start = lower[end][j] - 1;
    bounds.unshift(data[start - 1]);
    end = start;
  }
  return bounds;
}

/** Thresholds of natural breaks (Jenks) in `k` classes. */
export function jenks(values, k) {
  const sorted = sortedNumbers(values);
  if (sorted.length === 0) return [];
  let data = sorted;
  if (sorted.length > JENKS_SAMPLE) {
    data = Array.from({ length: JENKS_SAMPLE }, (_, i) =>
      sorted[Math.round((i * (sorted.length - 1)) / (JENKS_SAMPLE - 1))],
    );
  }
  const classes = Math.min(k, new Set(data).size);
  if (classes < 2) return [];
  // Each class starts at the first value above the upper bound of the previous one.
  const thresholds = jenksUpperBounds(data, classes).map((bound) => sorted.find((v) => v > bound));
  return uniqueThresholds(
    thresholds.filter((t) => t !== undefined),
    sorted,
  );
}

export const METHODS = { quantiles, jenks };

/** The class of `value` for `thresholds` (null when there is no value). */
export function classOf(value, thresholds) {
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  let i = 0;
  while (i < thresholds.length && value >= thresholds[i]) i++;
  return i;
}

/** [{min, max, count}] of each class, from the values themselves (empty classes are left out). */
export function classRanges(values, thresholds) {
  const ranges = Array.from({ length: thresholds.length + 1 }, () => ({ min: Infinity, max: -Infinity, count: 0 }));
  for (const value of sortedNumbers(values)) {
    const range = ranges[classOf(value, thresholds)];
    range.min = Math.min(range.min, value);
    range.max = Math.max(range.max, value);
    range.count += 1;
  }
  return ranges.map((range, index) => ({ ...range, index })).filter((range) => range.count > 0);
}
