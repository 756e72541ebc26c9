import { api } from '../api/client.js';
import type { Pool, PoolPoint, Site, StateAnswer } from '../api/types.js';
import { ConfirmAction } from '../components/confirm-action.js';
import { PoolChart } from '../components/pool-chart.js';
import { StateBadge } from '../components/state-badge.js';
import { integer, percent, rate } from '../format.js';
import { useLive } from '../live/live-store.js';
import { href } from '../router.js';

/** Every site and every pool at a glance, with a banner for each pool rapid-fail protection stopped. */
export function Overview() {
  const { snapshot, poolHistory, windowMs } = useLive();
  if (!snapshot) return <p aria-busy="true">Waiting for the first figures…</p>;
  const rapidFailed = snapshot.apppools.filter((p) => p.state === 'Stopped' && p.reason === 'RapidFail');
  return (
    <>
      <h1>Overview</h1>
      {rapidFailed.map((pool) => (
        <RapidFailBanner key={pool.name} pool={pool} />
      ))}
      <SitesTable sites={snapshot.sites} />
      <section aria-labelledby="pools-heading">
        <h2 id="pools-heading">Application pools</h2>
        <div class="cards">
          {snapshot.apppools.map((pool) => (
            <PoolCard
              key={pool.name}
              pool={pool}
              requests={snapshot.totals.pools[pool.name]}
              workers={snapshot.wp.filter((w) => w.pool === pool.name && w.state === 'Running').length}
              points={poolHistory[pool.name] ?? []}
              windowMs={windowMs}
            />
          ))}
        </div>
      </section>
    </>
  );
}

/** IIS stops a pool whose workers crash too often; it stays stopped until someone starts it. */
function RapidFailBanner({ pool }: { pool: Pool }) {
  return (
    <div class="banner" role="alert">
      <p>
        <strong>{pool.name}</strong> was stopped by rapid-fail protection: its worker processes failed too
        often in the configured interval. Requests to it get 503 until it is started.
      </p>
      <ConfirmAction
        label="Start"
        question={`Start the application pool ${pool.name}? Its workers crashed repeatedly; check its events first.`}
        run={async () => {
          const { body } = await api<StateAnswer>(`/api/apppools/${encodeURIComponent(pool.name)}/start`, {
            method: 'POST',
          });
          return `Started; applied by ${body.listeners} listener(s) in ${body.acknowledgedMs} ms.`;
        }}
      />
    </div>
  );
}

function SitesTable({ sites }: { sites: Site[] }) {
  return (
    <section aria-labelledby="sites-heading">
      <h2 id="sites-heading">Sites</h2>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Site</th>
              <th scope="col">Id</th>
              <th scope="col">Bindings</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {sites.map((site) => (
              <tr key={site.id}>
                <td>
                  <a href={href.site(site.id)}>{site.name}</a>
                </td>
                <td>{site.id}</td>
                <td>
                  {site.bindings.map((b) => (
                    <code key={b} class="binding">
                      {b}
                    </code>
                  ))}
                </td>
                <td>
                  <StateBadge state={site.state} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

interface PoolCardProps {
  pool: Pool;
  requests: number | undefined;
  workers: number;
  points: PoolPoint[];
  windowMs: number;
}

/** A pool at a glance: state, the figures that matter when it misbehaves, and its last 15 minutes. */
function PoolCard({ pool, requests, workers, points, windowMs }: PoolCardProps) {
  return (
    <article class="card" data-pool={pool.name} aria-labelledby={`pool-${pool.name}`}>
      <header>
        <h3 id={`pool-${pool.name}`}>
          <a href={href.pool(pool.name)}>{pool.name}</a>
        </h3>
        <StateBadge state={pool.state} reason={pool.reason} />
      </header>
      <dl class="figures">
        <div>
          <dt>Requests</dt>
          <dd data-testid="pool-requests">{integer(requests)}</dd>
        </div>
        <div>
          <dt>Queue</dt>
          <dd>
            {pool.CurrentQueueSize} / {pool.queueLength}
          </dd>
        </div>
        <div>
          <dt>Arrivals</dt>
          <dd>{rate(pool.ArrivalRate)}</dd>
        </div>
        <div>
          <dt>Rejected (1 min)</dt>
          <dd>{percent(pool.RejectionRate)}</dd>
        </div>
        <div>
          <dt>Workers</dt>
          <dd>{workers}</dd>
        </div>
      </dl>
      <PoolChart name={pool.name} points={points} windowMs={windowMs} />
    </article>
  );
}
