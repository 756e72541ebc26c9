import { formatTable, type Column } from './table.js';

/** How a command prints: a table (or a line) for people, the API's JSON as is with --json. */
export interface Output {
  json: boolean;
  write(text: string): void;
}

export function printRows(out: Output, rows: Record<string, unknown>[], columns: Column[]): void {
  out.write(out.json ? `${JSON.stringify(rows, null, 2)}\n` : formatTable(rows, columns));
}

export function printResult(out: Output, value: unknown, line: string): void {
  out.write(out.json ? `${JSON.stringify(value, null, 2)}\n` : `${line}\n`);
}
