export type Align = 'left' | 'right';

const width = (text: string) => [...text].length;

function pad(text: string, size: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, size - width(text)));
  return align === 'right' ? fill + text : text + fill;
}

/**
 * A markdown table laid out the way prettier lays it out (columns padded to their widest cell, at least 3),
 * so the generated page passes `prettier --check` and reads as well in a terminal as on GitHub.
 */
export function table(headers: string[], rows: string[][], align: Align[]): string {
  const escaped = rows.map((row) => row.map((cell) => cell.replaceAll('|', '\\|')));
  const sizes = headers.map((header, i) =>
    Math.max(3, width(header), ...escaped.map((row) => width(row[i] ?? ''))),
  );
  const alignOf = (i: number): Align => align[i] ?? 'left';
  const line = (cells: string[]) =>
    `| ${sizes.map((size, i) => pad(cells[i] ?? '', size, alignOf(i))).join(' | ')} |`;
  const rule = `| ${sizes.map((size, i) => (alignOf(i) === 'right' ? `${'-'.repeat(size - 1)}:` : '-'.repeat(size))).join(' | ')} |`;
  return [line(headers), rule, ...escaped.map(line)].join('\n');
}
