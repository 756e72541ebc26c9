// Aligned tables for people (scripts use --json): a header row in appcmd's and IIS Manager's names,
// columns padded to their widest cell, numbers right-aligned so that digits line up.

export interface Column {
  header: string;
  /** The row's value for this column; undefined prints as "-". */
  value: (row: Record<string, unknown>) => unknown;
}

export function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (Array.isArray(value)) return value.map(cell).join(',');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value) ?? '-';
}

export function formatTable(rows: readonly Record<string, unknown>[], columns: readonly Column[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const text = cells.map((row) => row.map(cell));
  const numeric = columns.map(
    (_c, i) => cells.length > 0 && cells.every((row) => typeof row[i] === 'number'),
  );
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...text.map((row) => row[i]!.length)),
  );
  const line = (values: string[], header: boolean) =>
    values
      .map((value, i) => (numeric[i] && !header ? value.padStart(widths[i]!) : value.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return (
    [
      line(
        columns.map((c) => c.header),
        true,
      ),
      ...text.map((row) => line(row, false)),
    ].join('\n') + '\n'
  );
}

/** A column that reads one field. */
export const field = (header: string, name = header): Column => ({ header, value: (row) => row[name] });
