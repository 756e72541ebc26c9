import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.js';
import type { StateAnswer } from '../api/types.js';
import { Chart, type ChartSeries } from '../components/chart.js';
import { ActionResult, ConfirmAction, type ActionOutcome } from '../components/confirm-action.js';
import { StateBadge } from '../components/state-badge.js';
import { useLive } from '../live/live-store.js';
import { href } from '../router.js';

interface RawSite {
  name: string;
  id: number;
  bindings: { protocol: string; bindingInformation: string; sslFlags?: unknown }[];
  applications: {
    path: string;
    applicationPool?: string;
    virtualDirectories: { path: string; physicalPath: string }[];
  }[];
}

const CLASS_COLORS: Record<string, string> = {
  '2xx': '#1f9d55',
  '3xx': '#2f6fdf',
  '4xx': '#d69e2e',
  '5xx': '#d64545',
  '1xx': '#805ad5',
  '0xx': '#718096',
};

/** A site, as IIS Manager's site node: bindings, applications and virtual directories, and its traffic. */
export function SitePage({ id }: { id: string }) {
  const { snapshot, siteHistory, windowMs, configVersion } = useLive();
  const [site, setSite] = useState<RawSite | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Read again when a ConfigChange event says the configuration changed.
  useEffect(() => {
    api<RawSite>(`/api/config/sites/${encodeURIComponent(id)}`)
      .then(({ body }) => (setSite(body), setError(null)))
      .catch((e: unknown) => setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e)));
  }, [id, configVersion]);

  const live = snapshot?.sites.find((s) => String(s.id) === id);
  const points = siteHistory[id] ?? [];
  const classes = [...new Set(points.flatMap((p) => Object.keys(p.rates)))].sort();
  const series: ChartSeries[] = classes.map((c) => ({
    label: c === '0xx' ? 'no answer' : c,
    color: CLASS_COLORS[c] ?? '#444',
    values: points.map((p) => p.rates[c] ?? 0),
  }));
  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!site) return <p aria-busy="true">Loading the site…</p>;
  return (
    <>
      <h1>
        {site.name} <small>site {site.id}</small> {live ? <StateBadge state={live.state} /> : null}
      </h1>
      <SiteActions id={id} name={site.name} state={live?.state} />
      <section aria-labelledby="rate-heading">
        <h2 id="rate-heading">Requests per second by status class</h2>
        <Chart
          title={`${site.name}: requests per second by status class`}
          windowMs={windowMs}
          times={points.map((p) => p.at / 1000)}
          series={
            series.length > 0
              ? series
              : [{ label: '2xx', color: CLASS_COLORS['2xx']!, values: points.map(() => 0) }]
          }
        />
      </section>
      <section aria-labelledby="bindings-heading">
        <h2 id="bindings-heading">Bindings</h2>
        <ul>
          {site.bindings.map((b) => (
            <li key={`${b.protocol}/${b.bindingInformation}`}>
              <code>
                {b.protocol}/{b.bindingInformation}
              </code>
            </li>
          ))}
        </ul>
      </section>
      <ApplicationsTable applications={site.applications} />
    </>
  );
}

function SiteActions({ id, name, state }: { id: string; name: string; state: string | undefined }) {
  const path = `/api/sites/${encodeURIComponent(id)}`;
  const [outcome, setOutcome] = useState<ActionOutcome | null>(null);
  return (
    <>
      <div class="actions" role="group" aria-label="Site actions">
        <ConfirmAction
          report={setOutcome}
          label="Stop"
          variant="danger"
          disabled={state === 'Stopped'}
          question={`Stop the site ${name}? Its bindings answer 503 until it is started.`}
          run={async () => {
            const { body } = await api<StateAnswer>(`${path}/stop`, { method: 'POST' });
            return `Stopped; applied by ${body.listeners} listener(s) in ${body.acknowledgedMs} ms.`;
          }}
        />
        <ConfirmAction
          report={setOutcome}
          label="Start"
          disabled={state === 'Started'}
          question={`Start the site ${name}?`}
          run={async () => {
            const { body } = await api<StateAnswer>(`${path}/start`, { method: 'POST' });
            return `Started; applied by ${body.listeners} listener(s) in ${body.acknowledgedMs} ms.`;
          }}
        />
      </div>
      <ActionResult outcome={outcome} />
    </>
  );
}

function ApplicationsTable({ applications }: { applications: RawSite['applications'] }) {
  return (
    <section aria-labelledby="apps-heading">
      <h2 id="apps-heading">Applications and virtual directories</h2>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Application</th>
              <th scope="col">Pool</th>
              <th scope="col">Virtual directory</th>
              <th scope="col">Physical path</th>
            </tr>
          </thead>
          <tbody>
            {applications.flatMap((app) =>
              app.virtualDirectories.map((vd, i) => (
                <tr key={`${app.path}|${vd.path}`}>
                  <td>{i === 0 ? <code>{app.path}</code> : null}</td>
                  <td>
                    {i === 0 && app.applicationPool ? (
                      <a href={href.pool(app.applicationPool)}>{app.applicationPool}</a>
                    ) : null}
                  </td>
                  <td>
                    <code>{vd.path}</code>
                  </td>
                  <td>
                    <code>{vd.physicalPath}</code>
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
