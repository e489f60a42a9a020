// Chart series helpers (React-free, so unit tests run them directly).

/** A chart point: epoch milliseconds and a value (null draws nothing). */
export type Point = [number, number | null];

/**
 * `points` (in time order) with a null point inserted wherever samples are missing, so a line chart with
 * `connectNulls: false` breaks there instead of drawing a straight line across the gap. A gap is more than twice
 * the expected spacing: the step asked for, or the samples' usual spacing when that is wider (a collector that
 * samples every 60 s asked for 30 s steps is not missing every other sample).
 */
export function breakAtGaps(points: Point[], stepSeconds: number): Point[] {
  if (points.length < 2) return points;
  const deltas = points
    .slice(1)
    .map((p, i) => p[0] - points[i][0])
    .sort((a, b) => a - b);
  const usual = deltas[Math.floor(deltas.length / 2)];
  const limit = 2 * Math.max(stepSeconds * 1000, usual);
  const out: Point[] = [points[0]];
  for (let i = 1; i < points.length; i++) {
    const [prev, cur] = [points[i - 1][0], points[i][0]];
    if (cur - prev > limit) out.push([prev + Math.round((cur - prev) / 2), null]);
    out.push(points[i]);
  }
  return out;
}
