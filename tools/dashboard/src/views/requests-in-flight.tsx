import { useState } from 'preact/hooks';
import type { InFlight } from '../api/types.js';
import { duration } from '../format.js';

/** A request in flight this long stands out (IIS's "time elapsed" in appcmd list requests). */
const SLOW_MS = 5_000;

/** The pool's requests in flight, sortable by elapsed time; the slowest are marked. */
export function RequestsInFlight({ requests }: { requests: InFlight[] }) {
  const [descending, setDescending] = useState(true);
  const sorted = [...requests].sort((a, b) =>
    descending ? b.elapsedMs - a.elapsedMs : a.elapsedMs - b.elapsedMs,
  );
  const slowest = Math.max(0, ...requests.map((r) => r.elapsedMs));
  return (
    <section aria-labelledby="requests-heading">
      <h2 id="requests-heading">Requests in flight ({requests.length})</h2>
      {requests.length === 0 ? (
        <p>None right now.</p>
      ) : (
        <div class="table-scroll">
          <table data-testid="requests">
            <thead>
              <tr>
                <th scope="col">Verb</th>
                <th scope="col">URL</th>
                <th scope="col">Site</th>
                <th scope="col">PID</th>
                <th scope="col" class="num" aria-sort={descending ? 'descending' : 'ascending'}>
                  <button type="button" class="link" onClick={() => setDescending(!descending)}>
                    Elapsed {descending ? '▼' : '▲'}
                  </button>
                </th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((r) => {
                const isSlowest = r.elapsedMs === slowest && requests.length > 1;
                return (
                  <tr key={r.id} class={r.elapsedMs >= SLOW_MS || isSlowest ? 'slow' : ''}>
                    <td>{r.verb}</td>
                    <td>
                      <code>{r.url}</code>
                    </td>
                    <td>{r.site}</td>
                    <td>{r.pid ?? '…'}</td>
                    <td class="num">
                      {duration(r.elapsedMs)}
                      {isSlowest ? <span class="badge stopped">slowest</span> : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
