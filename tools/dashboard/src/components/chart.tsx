import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
}

interface ChartProps {
  /** An accessible name: a chart is an image to a screen reader, the figures are in the tables. */
  title: string;
  /** Seconds since the epoch, as uPlot's time axis wants them. */
  times: number[];
  series: ChartSeries[];
  height?: number;
  /** The window shown, ending now: the 15 minutes of the live figures. */
  windowMs: number;
}

/**
 * A uPlot line chart sized to its container (a ResizeObserver follows the layout from a phone's width
 * to a desktop's). Data updates go through setData, which keeps the chart and its cursor in place.
 */
export function Chart({ title, times, series, height = 160, windowMs }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const labels = series.map((s) => s.label).join('|');

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
      axes: [
        { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' } },
        { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' }, size: 44 },
      ],
      series: [
        {},
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: false } })),
      ],
    };
    plot.current = new uPlot(options, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, element);
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: Math.max(200, element.clientWidth), height }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series themselves change; new data goes through setData below.
  }, [labels, height]);

  useEffect(() => {
    const now = Date.now() / 1000;
    // The window ends now; it starts 15 minutes ago, or at the first sample when WAS has run for less
    // (a fresh system's figures fill the width instead of a sliver at the right), showing at least a minute.
    const start = Math.min(now - 60, Math.max(now - windowMs / 1000, times[0] ?? 0));
    plot.current?.setData([times, ...series.map((s) => s.values)] as uPlot.AlignedData);
    plot.current?.setScale('x', { min: start, max: now });
  });

  // The newest value of each series, in words: what a screen reader says instead of the picture.
  const latest = series.map((s) => `${s.label} ${s.values.at(-1) ?? 0}`).join(', ');
  return (
    <figure class="chart-figure">
      <div
        class="chart"
        ref={box}
        role="img"
        aria-label={`${title}: ${latest}`}
        data-latest={JSON.stringify(Object.fromEntries(series.map((s) => [s.label, s.values.at(-1) ?? 0])))}
      />
      <figcaption class="visually-hidden" data-points={times.length}>
        {title}, last 15 minutes, {times.length} samples; now {latest}
      </figcaption>
    </figure>
  );
}
