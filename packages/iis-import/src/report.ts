import { stringify } from 'yaml';
import type { ImportResult } from './import-application-host.js';
import type { ImportSeverity } from './import-issues.js';

// What the CLI's dry run prints, and the YAML an apply writes.

const ORDER: ImportSeverity[] = ['error', 'warning', 'info'];

/** The report for people: a summary line, then every issue by severity, each with its line and XPath. */
export function formatReport(result: Pick<ImportResult, 'issues' | 'valid'>): string {
  const count = (s: ImportSeverity) => result.issues.filter((i) => i.severity === s).length;
  const lines = [
    `${result.valid ? 'The imported configuration validates.' : 'The imported configuration does NOT validate.'} ` +
      `${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} note(s).`,
  ];
  for (const severity of ORDER) {
    const issues = result.issues.filter((i) => i.severity === severity);
    if (issues.length === 0) continue;
    lines.push('', `${severity.toUpperCase()}S`);
    for (const issue of issues) {
      lines.push(`  ${issue.line > 0 ? `line ${issue.line}: ` : ''}${issue.xpath}`, `    ${issue.reason}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The configuration as w3pool.yaml. */
export function toYaml(config: ImportResult['config']): string {
  return stringify(config, { lineWidth: 0 });
}
