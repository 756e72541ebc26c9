import { useState } from 'preact/hooks';
import { api, ApiError, type ConfigIssue } from '../api/client.js';
import type { ChangeAnswer } from '../api/types.js';
import { ConfirmAction } from '../components/confirm-action.js';
import { readConfig } from './held-config.js';

interface ImportIssue {
  severity: string;
  xpath: string;
  line?: number;
  reason?: string;
  message?: string;
}

interface DryRun {
  valid: boolean;
  applied: boolean;
  yaml: string;
  report: string;
  issues: ImportIssue[];
  /** The version the dry run was compared with: the apply names it in If-Match. */
  etag: string;
}

/**
 * IIS's applicationHost.config in, w3pool's configuration out (POST /api/config/import): a dry run shows
 * the YAML and what was not carried over; Apply replaces the running configuration, guarded by the ETag
 * of the version read alongside the dry run (a change made meanwhile gets 412, not silently undone).
 */
export function ImportPage() {
  const [xml, setXml] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [dryRun, setDryRun] = useState<DryRun | null>(null);
  const [error, setError] = useState<{ text: string; issues: ConfigIssue[] } | null>(null);
  const [busy, setBusy] = useState(false);

  const readFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) return;
    setFileName(file.name);
    setXml(await file.text());
    setDryRun(null);
  };

  const run = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { etag } = await readConfig();
      const { body } = await api<Omit<DryRun, 'etag'>>('/api/config/import', {
        method: 'POST',
        rawBody: { text: xml, type: 'application/xml' },
      });
      setDryRun({ ...body, etag });
    } catch (e) {
      setDryRun(null);
      setError(
        e instanceof ApiError
          ? { text: `${e.code}: ${e.message}`, issues: e.issues }
          : { text: String(e), issues: [] },
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Import an IIS configuration</h1>
      <form onSubmit={(e) => void run(e)} class="import-form">
        <label for="import-file">applicationHost.config</label>
        <input
          id="import-file"
          type="file"
          accept=".config,.xml,application/xml,text/xml"
          onChange={(e) => void readFile(e.currentTarget)}
        />
        <label for="import-xml">or paste the XML</label>
        <textarea
          id="import-xml"
          rows={8}
          value={xml}
          onInput={(e) => (setXml(e.currentTarget.value), setDryRun(null))}
          spellcheck={false}
        />
        <button type="submit" class="primary" disabled={busy || xml.trim() === ''}>
          {busy ? 'Mapping…' : 'Dry run'}
        </button>
        {fileName ? (
          <p class="help">
            Read {fileName} ({xml.length.toLocaleString('en-US')} characters).
          </p>
        ) : null}
      </form>
      {error ? (
        <div class="error" role="alert">
          <p>{error.text}</p>
          <ul>
            {error.issues.map((i) => (
              <li key={i.pointer}>
                <code>{i.pointer}</code>: {i.reason}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {dryRun ? <DryRunResult dryRun={dryRun} xml={xml} /> : null}
    </>
  );
}

function DryRunResult({ dryRun, xml }: { dryRun: DryRun; xml: string }) {
  return (
    <section aria-labelledby="dry-run-heading">
      <h2 id="dry-run-heading">Dry run: {dryRun.valid ? 'valid' : 'not valid as it is'}</h2>
      <h3>Not mapped, or mapped with a caveat ({dryRun.issues.length})</h3>
      <div class="table-scroll">
        <table class="issues">
          <thead>
            <tr>
              <th scope="col">Severity</th>
              <th scope="col">Where (XPath)</th>
              <th scope="col">Line</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {dryRun.issues.map((i, n) => (
              <tr key={`${i.xpath}-${n}`}>
                <td>{i.severity}</td>
                <td>
                  <code>{i.xpath}</code>
                </td>
                <td>{i.line ?? ''}</td>
                <td>{i.reason ?? i.message ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details>
        <summary>The report as text</summary>
        <pre>{dryRun.report}</pre>
      </details>
      <h3>The configuration it maps to</h3>
      <pre class="yaml">{dryRun.yaml}</pre>
      <ConfirmAction
        label="Apply"
        variant="danger"
        disabled={!dryRun.valid}
        question="Replace the running configuration with this one? It is validated, written to the file (the old one is kept as a backup) and applied live."
        run={async () => {
          const { body } = await api<ChangeAnswer>('/api/config/import?apply=1', {
            method: 'POST',
            rawBody: { text: xml, type: 'application/xml' },
            ifMatch: dryRun.etag,
          });
          return `Applied as version ${body.version}, written to ${body.persisted}.`;
        }}
      />
    </section>
  );
}
