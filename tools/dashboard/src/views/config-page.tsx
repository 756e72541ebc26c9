import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client.js';
import type { ChangeAnswer, HistoryEntry } from '../api/types.js';
import { ConfirmAction } from '../components/confirm-action.js';
import { time } from '../format.js';
import { useLive } from '../live/live-store.js';
import { href } from '../router.js';
import { ConfigTree } from './config-tree.js';
import { readConfig, type HeldConfig } from './held-config.js';
import { PoolEditor } from './pool-editor.js';

/**
 * The running configuration as written (a tree), its version and history (with restore), and the editor
 * of one pool's settings. What is shown is the version read; a ConfigChange event from elsewhere says a
 * newer one runs, and the page offers to read it rather than changing under the user's hands.
 */
export function ConfigPage({ pool }: { pool: string | undefined }) {
  const { configVersion } = useLive();
  const [held, setHeld] = useState<HeldConfig | null>(null);
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const reload = async () => {
    try {
      const [config, versions] = await Promise.all([
        readConfig(),
        api<{ versions: HistoryEntry[] }>('/api/config/history'),
      ]);
      setHeld(config);
      setHistory(versions.body.versions);
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    }
  };
  useEffect(() => void reload(), []);

  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (!held) return <p aria-busy="true">Reading the configuration…</p>;
  const pools = (held.raw.applicationPools ?? []).map((p) => p.name);
  const selected = pool && pools.includes(pool) ? pool : pools[0];
  const newer = configVersion !== null && configVersion > held.version;
  return (
    <>
      <h1>
        Configuration <small data-testid="config-version">version {held.version}</small>
      </h1>
      {newer ? (
        <div class="banner" role="status">
          <p>Version {configVersion} is running now (changed elsewhere).</p>
          <button type="button" class="primary" onClick={() => void reload()}>
            Show version {configVersion}
          </button>
        </div>
      ) : null}
      <div class="config-layout">
        <section aria-labelledby="editor-heading" class="editor-column">
          <h2 id="editor-heading">Application pool settings</h2>
          <nav aria-label="Pools" class="pool-tabs">
            {pools.map((name) => (
              <a key={name} href={href.config(name)} aria-current={name === selected ? 'page' : undefined}>
                {name}
              </a>
            ))}
          </nav>
          {selected ? (
            <PoolEditor key={selected} name={selected} held={held} onChanged={() => void reload()} />
          ) : null}
        </section>
        <section aria-labelledby="tree-heading" class="tree-column">
          <h2 id="tree-heading">Running configuration</h2>
          <ConfigTree value={held.raw} />
          <HistoryTable history={history} running={held.version} onRestored={() => void reload()} />
        </section>
      </div>
    </>
  );
}

/** The last 20 versions (GET /api/config/history), each but the running one with a Restore button. */
function HistoryTable({
  history,
  running,
  onRestored,
}: {
  history: HistoryEntry[];
  running: number;
  onRestored: () => void;
}) {
  return (
    <>
      <h2 id="history-heading">History</h2>
      <div class="table-scroll">
        <table aria-labelledby="history-heading">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Time</th>
              <th scope="col">By</th>
              <th scope="col">Changed</th>
              <th scope="col">
                <span class="visually-hidden">Restore</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {history.map((entry) => (
              <tr key={`${entry.epoch}-${entry.version}`}>
                <td>{entry.version}</td>
                <td>{time(Date.parse(entry.time))}</td>
                <td>{entry.origin}</td>
                <td>{entry.changed.join(', ')}</td>
                <td>
                  {entry.version !== running ? (
                    <ConfirmAction
                      label={`Restore ${entry.version}`}
                      question={`Make version ${entry.version}'s configuration the running one? It is validated, written to the file and applied like any change.`}
                      run={async () => {
                        const { body } = await api<ChangeAnswer>(
                          `/api/config/history/${entry.version}/restore`,
                          {
                            method: 'POST',
                          },
                        );
                        onRestored();
                        return `Restored as version ${body.version}.`;
                      }}
                    />
                  ) : (
                    'running'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
