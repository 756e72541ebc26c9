import { W3poolError, type ErrorCode } from '@w3pool/protocol';

/** One problem in a configuration: where (a JSON pointer into the config tree) and why. */
export interface ConfigIssue {
  pointer: string;
  reason: string;
}

/** A configuration that was refused. Nothing was applied; `issues` says what to fix. */
export class ConfigError extends W3poolError {
  readonly issues: readonly ConfigIssue[];
  readonly source: string;

  constructor(code: ErrorCode, source: string, issues: ConfigIssue[]) {
    const list = issues.map((i) => `  ${i.pointer || '/'}: ${i.reason}`).join('\n');
    super(code, `${source}\n${list}`);
    this.name = 'ConfigError';
    this.issues = issues;
    this.source = source;
  }
}
