import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, type ConfigIssue } from '../api/client.js';
import type { ChangeAnswer } from '../api/types.js';
import type { HeldConfig } from './held-config.js';
import {
  asText,
  fieldOfPointer,
  formValue,
  mergePatch,
  poolFields,
  type Field,
  type JsonSchema,
} from './pool-fields.js';

let schemaRead: Promise<JsonSchema> | undefined;
/** The pool's schema is the same for the whole session: read once. */
const poolSchema = () =>
  (schemaRead ??= api<JsonSchema>('/api/config/schema/apppools').then(
    (answer) => answer.body,
    (error: unknown) => {
      schemaRead = undefined; // read again next time
      throw error;
    },
  ));

type Outcome =
  | { kind: 'applied'; answer: ChangeAnswer }
  | { kind: 'rejected'; code: string; message: string; issues: ConfigIssue[] }
  | { kind: 'conflict'; message: string }
  | { kind: 'failed'; message: string };

/** The pool's JSON Schema (read once per session), or why it could not be read. */
function usePoolSchema() {
  const [schema, setSchema] = useState<JsonSchema | null>(null);
  const [schemaError, setSchemaError] = useState<string | null>(null);
  useEffect(() => {
    poolSchema().then(setSchema, (e: unknown) =>
      setSchemaError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e)),
    );
  }, []);
  return { schema, schemaError };
}

/**
 * One pool's settings, each with its IIS default beside it. Only the changed settings are sent (a merge
 * patch, with the ETag of the version shown as If-Match); an emptied field goes back to its default.
 * Refusals are shown where they belong: each issue under its field, exactly as the API worded it.
 */
interface PoolEditorProps {
  name: string;
  held: HeldConfig;
  onChanged: () => void;
}

export function PoolEditor({ name, held, onChanged }: PoolEditorProps) {
  const { schema, schemaError } = usePoolSchema();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  const index = (held.raw.applicationPools ?? []).findIndex((p) => p.name === name);
  const item = useMemo(
    () => (held.raw.applicationPools?.[index] ?? {}) as Record<string, unknown>,
    [held, index],
  );
  const fields = useMemo(() => (schema ? poolFields(schema) : []), [schema]);
  const initial = useMemo(
    () => Object.fromEntries(fields.map((f) => [f.path, formValue(item, f.path)])),
    [fields, item],
  );
  const [values, setValues] = useState<Record<string, string>>({});
  useEffect(() => setValues(initial), [initial]);

  const issuesOf = (path: string) =>
    outcome?.kind === 'rejected'
      ? outcome.issues.filter((i) => fieldOfPointer(i.pointer, index) === path)
      : [];
  const otherIssues =
    outcome?.kind === 'rejected'
      ? outcome.issues.filter((i) => !fields.some((f) => f.path === fieldOfPointer(i.pointer, index)))
      : [];

  const save = async (event: Event) => {
    event.preventDefault();
    const patch = mergePatch(fields, initial, values);
    if (Object.keys(patch).length === 0) return setOutcome({ kind: 'failed', message: 'Nothing changed.' });
    setBusy(true);
    const result = await applyPatch(name, patch, held.etag);
    setBusy(false);
    setOutcome(result);
    // The new version becomes the one edited next (its ETag), the form showing what now runs.
    if (result.kind === 'applied') onChanged();
  };

  if (schemaError) return <SchemaError text={schemaError} />;
  if (!schema) return <p aria-busy="true">Reading the settings' schema…</p>;
  const sections = [...new Set(fields.map((f) => f.section))];
  return (
    <form class="pool-editor" onSubmit={(e) => void save(e)} aria-label={`Settings of ${name}`} noValidate>
      <Summary outcome={outcome} otherIssues={otherIssues} onReload={onChanged} />
      {sections.map((section) => (
        <fieldset key={section}>
          <legend>{section === '' ? name : section}</legend>
          {fields
            .filter((f) => f.section === section)
            .map((field) => (
              <FieldRow
                key={field.path}
                field={field}
                value={values[field.path] ?? ''}
                changed={(values[field.path] ?? '') !== (initial[field.path] ?? '')}
                issues={issuesOf(field.path)}
                onInput={(value) => setValues({ ...values, [field.path]: value })}
              />
            ))}
        </fieldset>
      ))}
      <div class="form-buttons">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Applying…' : 'Apply'}
        </button>
        <button type="button" class="secondary" onClick={() => (setValues(initial), setOutcome(null))}>
          Discard changes
        </button>
      </div>
    </form>
  );
}

/** PATCH /api/config/apppools/:name with If-Match, its answer sorted into what the form shows. */
async function applyPatch(name: string, patch: Record<string, unknown>, etag: string): Promise<Outcome> {
  try {
    const { body } = await api<ChangeAnswer>(`/api/config/apppools/${encodeURIComponent(name)}`, {
      method: 'PATCH',
      body: patch,
      ifMatch: etag,
    });
    return { kind: 'applied', answer: body };
  } catch (e) {
    if (e instanceof ApiError && e.status === 412) return { kind: 'conflict', message: e.message };
    if (e instanceof ApiError && e.issues.length > 0)
      return { kind: 'rejected', code: e.code, message: e.message, issues: e.issues };
    return { kind: 'failed', message: e instanceof ApiError ? `${e.code}: ${e.message}` : String(e) };
  }
}

function SchemaError({ text }: { text: string }) {
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

function Summary({
  outcome,
  otherIssues,
  onReload,
}: {
  outcome: Outcome | null;
  otherIssues: ConfigIssue[];
  onReload: () => void;
}) {
  if (!outcome) return null;
  switch (outcome.kind) {
    case 'applied':
      return (
        <p class="success" role="status" data-testid="editor-result">
          Applied: version {outcome.answer.version}, written to {outcome.answer.persisted}. The pool picks it
          up now (a change to its settings recycles it, overlapped).
        </p>
      );
    case 'rejected':
      return (
        <div class="error" role="alert" data-testid="editor-result">
          <p>
            {outcome.code}: {outcome.message}
          </p>
          {otherIssues.length > 0 ? (
            <ul>
              {otherIssues.map((i) => (
                <li key={i.pointer + i.reason}>
                  <code>{i.pointer}</code>: {i.reason}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      );
    case 'conflict':
      return (
        <div class="banner" role="alert" data-testid="editor-result">
          <p>
            The configuration changed since this page read it (412): {outcome.message} Reload it, then make
            your change again.
          </p>
          <button type="button" class="primary" onClick={onReload}>
            Reload the configuration
          </button>
        </div>
      );
    case 'failed':
      return (
        <p class="error" role="alert" data-testid="editor-result">
          {outcome.message}
        </p>
      );
  }
}

interface FieldRowProps {
  field: Field;
  value: string;
  changed: boolean;
  issues: ConfigIssue[];
  onInput: (value: string) => void;
}

function FieldRow({ field, value, changed, issues, onInput }: FieldRowProps) {
  const id = `setting-${field.path.replace(/\./g, '-')}`;
  const shownDefault = field.iisDefault === undefined ? 'none' : JSON.stringify(field.iisDefault);
  const describedBy = `${id}-default${issues.length > 0 ? ` ${id}-error` : ''}`;
  const common = {
    id,
    name: field.path,
    'aria-describedby': describedBy,
    'aria-invalid': issues.length > 0 ? ('true' as const) : ('false' as const),
  };
  let input;
  if (field.kind === 'boolean' || field.kind === 'choice') {
    const options = field.kind === 'boolean' ? ['true', 'false'] : field.choices;
    input = (
      <select {...common} value={value} onChange={(e) => onInput(e.currentTarget.value)}>
        <option value="">(IIS default)</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else {
    input = (
      <input
        {...common}
        type="text"
        inputMode={field.kind === 'text' ? 'text' : 'numeric'}
        value={value}
        placeholder={field.iisDefault === undefined ? '' : asText(field.iisDefault)}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    );
  }
  return (
    <div
      class={`field ${changed ? 'changed' : ''} ${issues.length > 0 ? 'invalid' : ''}`}
      data-field={field.path}
    >
      <label for={id}>{field.name}</label>
      {input}
      <span class="default" id={`${id}-default`} title={field.description}>
        IIS default: <code>{shownDefault}</code>
        {field.description ? <span class="description"> — {field.description}</span> : null}
      </span>
      {issues.length > 0 ? (
        <span class="field-error" id={`${id}-error`} role="alert">
          {issues.map((i) => i.reason).join('; ')}
        </span>
      ) : null}
    </div>
  );
}
