import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.js';
import type { ApplicationJobs, RecycleAnswer, StateAnswer } from '../api/types.js';
import { ActionResult, ConfirmAction, type ActionOutcome } from '../components/confirm-action.js';
import { PoolChart } from '../components/pool-chart.js';
import { StateBadge } from '../components/state-badge.js';
import { integer, rate } from '../format.js';
import { useLive } from '../live/live-store.js';
import { href } from '../router.js';
import { PoolEvents } from './pool-events.js';
import { RequestsInFlight } from './requests-in-flight.js';
import { WorkersTable } from './workers-table.js';

/** One pool, as IIS Manager's Worker Processes page and the pool's actions: live, from the stream. */
export function PoolPage({ name }: { name: string }) {
  const { snapshot, poolHistory, windowMs, events } = useLive();
  const pool = snapshot?.apppools.find((p) => p.name === name);
  if (!snapshot) return <p aria-busy="true">Waiting for the first figures…</p>;
  if (!pool)
    return (
      <p role="alert">
        No application pool is named {name}. <a href={href.overview()}>Back to the overview</a>
      </p>
    );
  const poolEvents = events.filter((e) => e.pool === name);
  return (
    <>
      <h1>
        {name} <StateBadge state={pool.state} reason={pool.reason} />
      </h1>
      <PoolActions name={name} state={pool.state} />
      <dl class="figures wide">
        <div>
          <dt>Requests</dt>
          <dd data-testid="pool-requests">{integer(snapshot.totals.pools[name])}</dd>
        </div>
        <div>
          <dt>Queue</dt>
          <dd>
            {pool.CurrentQueueSize} / {pool.queueLength}
          </dd>
        </div>
        <div>
          <dt>Oldest waiting</dt>
          <dd>{pool.MaxQueueItemAge} ms</dd>
        </div>
        <div>
          <dt>Arrivals</dt>
          <dd>{rate(pool.ArrivalRate)}</dd>
        </div>
        <div>
          <dt>Rejected (QueueFull)</dt>
          <dd>{integer(pool.RejectedRequests)}</dd>
        </div>
      </dl>
      <PoolChart name={name} points={poolHistory[name] ?? []} windowMs={windowMs} />
      <WorkersTable workers={snapshot.wp.filter((w) => w.pool === name)} now={snapshot.at} />
      <RequestsInFlight requests={snapshot.requests.filter((r) => r.pool === name)} />
      <PoolEvents events={poolEvents} />
      <PoolJobs name={name} failures={poolEvents.filter((e) => e.kind === 'JobFailed').length} />
    </>
  );
}

/** Background jobs: read when the page opens and again when a JobFailed event of this pool arrives. */
function PoolJobs({ name, failures }: { name: string; failures: number }) {
  const [jobs, setJobs] = useState<ApplicationJobs[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reads, setReads] = useState(0);
  useEffect(() => {
    api<{ applications: ApplicationJobs[] }>(`/api/apppools/${encodeURIComponent(name)}/jobs?failed=10`)
      .then(({ body }) => (setJobs(body.applications), setError(null)))
      .catch((e: unknown) => setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e)));
  }, [name, failures, reads]);
  return (
    <section aria-labelledby="jobs-heading">
      <h2 id="jobs-heading">
        Background jobs{' '}
        <button type="button" class="link" onClick={() => setReads(reads + 1)}>
          Refresh
        </button>
      </h2>
      {error ? <p class="error">{error}</p> : null}
      {jobs?.length === 0 ? <p>No application of this pool.</p> : null}
      {jobs?.map((app) => (
        <div key={app.queue} class="jobs">
          <h3>
            {app.site} <code>{app.path}</code>
          </h3>
          <p>
            Waiting {app.counts.waiting}, active {app.counts.active}, delayed {app.counts.delayed}, failed{' '}
            {app.counts.failed}, completed {app.counts.completed}
          </p>
          {app.failed.length > 0 ? (
            <ul class="failed-jobs">
              {app.failed.map((job) => (
                <li key={job.id}>
                  <code>{job.name}</code> #{job.id} after {job.attemptsMade} attempt(s): {job.failedReason}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ))}
    </section>
  );
}

/** Recycle, Stop and Start, each confirmed first, each showing what the API answered. */
function PoolActions({ name, state }: { name: string; state: string }) {
  const path = `/api/apppools/${encodeURIComponent(name)}`;
  const [outcome, setOutcome] = useState<ActionOutcome | null>(null);
  return (
    <>
      <div class="actions" role="group" aria-label="Pool actions">
        <ConfirmAction
          report={setOutcome}
          label="Recycle"
          question={`Recycle ${name}? New worker processes start first; the old ones finish their requests (overlapped).`}
          run={async () => {
            const { body } = await api<RecycleAnswer>(`${path}/recycle`, { method: 'POST' });
            if (body.newPids.length === 0) return 'No worker was running: nothing to recycle.';
            return `Recycled in ${body.elapsedMs} ms: old pid ${body.oldPids.join(', ')} → new pid ${body.newPids.join(', ')}.`;
          }}
        />
        <ConfirmAction
          report={setOutcome}
          label="Stop"
          variant="danger"
          disabled={state === 'Stopped'}
          question={`Stop ${name}? Every request to its applications will get 503 until it is started.`}
          run={async () => {
            const { body } = await api<StateAnswer>(`${path}/stop`, { method: 'POST' });
            return `Stopped; applied by ${body.listeners} listener(s) in ${body.acknowledgedMs} ms.`;
          }}
        />
        <ConfirmAction
          report={setOutcome}
          label="Start"
          disabled={state === 'Started'}
          question={`Start ${name}?`}
          run={async () => {
            const { body } = await api<StateAnswer>(`${path}/start`, { method: 'POST' });
            return `Started; applied by ${body.listeners} listener(s) in ${body.acknowledgedMs} ms.`;
          }}
        />
        <a class="button secondary" href={href.config(name)}>
          Edit settings
        </a>
      </div>
      <ActionResult outcome={outcome} />
    </>
  );
}
