import type { WorkerProcess } from '../api/types.js';
import { StateBadge } from '../components/state-badge.js';
import { duration, integer, kilobytes } from '../format.js';

/** The pool's worker processes (IIS Manager's Worker Processes), from their hosts' records (every second). */
export function WorkersTable({ workers, now }: { workers: WorkerProcess[]; now: number }) {
  return (
    <section aria-labelledby="workers-heading">
      <h2 id="workers-heading">Worker processes</h2>
      {workers.length === 0 ? (
        <p>
          No worker process is running (they start on the first request unless startMode is AlwaysRunning).
        </p>
      ) : (
        <div class="table-scroll">
          <table data-testid="workers">
            <thead>
              <tr>
                <th scope="col">PID</th>
                <th scope="col">State</th>
                <th scope="col">Host</th>
                <th scope="col">Uptime</th>
                <th scope="col" class="num">
                  Requests served
                </th>
                <th scope="col" class="num">
                  In flight
                </th>
                <th scope="col" class="num">
                  Private memory
                </th>
                <th scope="col" class="num">
                  CPU
                </th>
                <th scope="col" class="num">
                  Last ping
                </th>
              </tr>
            </thead>
            <tbody>
              {[...workers]
                .sort((a, b) => a.startedAt - b.startedAt)
                .map((w) => (
                  <tr key={w.id} data-pid={w.pid} data-state={w.state}>
                    <td>{w.pid}</td>
                    <td>
                      <StateBadge state={w.state} />
                    </td>
                    <td>{w.host}</td>
                    <td>{duration(now - w.startedAt)}</td>
                    <td class="num">{integer(w.requestsServed)}</td>
                    <td class="num">{integer(w.requestsInFlight)}</td>
                    <td class="num">{kilobytes(w.privateKb)}</td>
                    <td class="num">{w.cpuPercent.toFixed(1)} %</td>
                    <td class="num">{w.lastPingMs < 0 ? 'not yet' : `${w.lastPingMs} ms`}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
