import type { PoolPoint } from '../api/types.js';
import { Chart } from './chart.js';

/** A pool's last 15 minutes: queue depth, requests per second and QueueFull rejections per second. */
export function PoolChart({
  name,
  points,
  windowMs,
}: {
  name: string;
  points: PoolPoint[];
  windowMs: number;
}) {
  return (
    <Chart
      title={`${name}: queue depth, requests per second and rejections per second`}
      windowMs={windowMs}
      times={points.map((p) => p.at / 1000)}
      series={[
        { label: 'queue', color: '#2f6fdf', values: points.map((p) => p.queue) },
        { label: 'requests/s', color: '#1f9d55', values: points.map((p) => p.requestsPerSec) },
        { label: 'rejections/s', color: '#d64545', values: points.map((p) => p.rejectionsPerSec) },
      ]}
    />
  );
}
