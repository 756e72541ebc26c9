import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { printRows } from './output.js';
import { SseReader } from './sse-reader.js';
import { cell, type Column } from './table.js';

type Row = Record<string, unknown>;

// w3pool events: the newest events (recycles, crashes, rapid-fail, idle shutdowns, configuration
// changes), or with --follow each one as it happens, from GET /api/events's event stream.

const EVENT_COLUMNS: Column[] = [
  { header: 'ID', value: (row) => row.id },
  { header: 'EVENT', value: (row) => row.event ?? row.type ?? row.kind },
  {
    header: 'DETAIL',
    value: (row) =>
      Object.entries(row)
        .filter(([name]) => !['id', 'event', 'type', 'kind'].includes(name))
        .map(([name, value]) => `${name}=${cell(value)}`)
        .join(' '),
  },
];

/** One followed event as a line: `<event> <data>` for people, `{"event":...,"data":...}` for scripts. */
export function eventLine(event: { event: string; data: string }, json: boolean): string {
  if (!json) return `${event.event} ${event.data}\n`;
  let data: unknown = event.data;
  try {
    data = JSON.parse(event.data) as unknown;
  } catch {
    // Not JSON: kept as the text it is.
  }
  return `${JSON.stringify({ event: event.event, data })}\n`;
}

export function eventsCommand(program: Command, ctx: CliContext): void {
  program
    .command('events')
    .description('the newest events; --follow to print each new one as it happens (Ctrl-C to stop)')
    .option('--follow', 'follow the live event stream')
    .option('--count <n>', 'how many of the newest events', '20')
    .action(async (options: { follow?: boolean; count: string }) => {
      if (!options.follow) {
        const { body } = await ctx
          .api()
          .request<Row[]>('GET', `/api/events?count=${encodeURIComponent(options.count)}`);
        return printRows(ctx.out, body, EVENT_COLUMNS);
      }
      const response = await ctx.api().stream('/api/events');
      const reader = new SseReader();
      const decoder = new TextDecoder();
      for await (const chunk of response.body ?? []) {
        for (const event of reader.push(decoder.decode(chunk as Uint8Array, { stream: true })))
          ctx.out.write(eventLine(event, ctx.out.json));
      }
    });
}
