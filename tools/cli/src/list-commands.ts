import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { printRows } from './output.js';
import { field, type Column } from './table.js';

type Row = Record<string, unknown>;

// appcmd list apppool|site|app|wp|request, each from the admin API's view of the running system.

const POOL_COLUMNS: Column[] = [
  field('APPPOOL', 'name'),
  field('STATE', 'state'),
  field('queueLength'),
  field('CurrentQueueSize'),
  field('MaxQueueItemAge'),
  field('ArrivalRate'),
  field('RejectedRequests'),
];
const SITE_COLUMNS: Column[] = [
  field('ID', 'id'),
  field('SITE', 'name'),
  field('STATE', 'state'),
  field('BINDINGS', 'bindings'),
];
const APP_COLUMNS: Column[] = [
  field('SITE', 'site'),
  field('ID', 'siteId'),
  field('APP', 'path'),
  field('APPPOOL', 'pool'),
];
const WP_COLUMNS: Column[] = [
  field('PID', 'pid'),
  field('APPPOOL', 'pool'),
  field('STATE', 'state'),
  field('HOST', 'host'),
  field('REQUESTS', 'requestsInFlight'),
  field('SERVED', 'requestsServed'),
  field('CPU%', 'cpuPercent'),
  field('RSS_KB', 'rssKb'),
];
const REQUEST_COLUMNS: Column[] = [
  field('REQUEST', 'id'),
  field('APPPOOL', 'pool'),
  field('PID', 'pid'),
  field('SITE', 'siteId'),
  field('VERB', 'verb'),
  field('URL', 'url'),
  field('ELAPSED_MS', 'elapsedMs'),
];

function elapsedOption(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--elapsed takes milliseconds, got "${text}"`);
  return value;
}

export function listCommands(program: Command, ctx: CliContext): void {
  const list = program
    .command('list')
    .description('list apppools, sites, apps, wps or requests (appcmd list)');
  list
    .command('apppools')
    .alias('apppool')
    .description('application pools: state, queueLength and the queue counters')
    .action(async () =>
      printRows(ctx.out, (await ctx.api().request<Row[]>('GET', '/api/apppools')).body, POOL_COLUMNS),
    );
  list
    .command('sites')
    .alias('site')
    .description('sites: id, state and bindings')
    .action(async () =>
      printRows(ctx.out, (await ctx.api().request<Row[]>('GET', '/api/sites')).body, SITE_COLUMNS),
    );
  list
    .command('apps')
    .alias('app')
    .description('applications of every site, with their pool (appcmd list app)')
    .action(async () =>
      printRows(ctx.out, (await ctx.api().request<Row[]>('GET', '/api/apps')).body, APP_COLUMNS),
    );
  list
    .command('wps')
    .alias('wp')
    .description('worker processes (appcmd list wp)')
    .option('--pool <name>', 'only this application pool')
    .action(async (options: { pool?: string }) => {
      const wps = (await ctx.api().request<Row[]>('GET', '/api/wp')).body;
      const rows = wps.filter((wp) => options.pool === undefined || wp.pool === options.pool);
      printRows(
        ctx.out,
        rows.sort((a, b) => Number(a.pid) - Number(b.pid)),
        WP_COLUMNS,
      );
    });
  list
    .command('requests')
    .alias('request')
    .description('requests in flight, longest first (appcmd list requests)')
    .option('--elapsed <ms>', 'only requests running at least this long', elapsedOption)
    .option('--pool <name>', 'only this application pool')
    .action(async (options: { elapsed?: number; pool?: string }) => {
      const query = new URLSearchParams();
      if (options.elapsed !== undefined) query.set('elapsed', String(options.elapsed));
      if (options.pool !== undefined) query.set('pool', options.pool);
      const path = `/api/requests${query.size > 0 ? `?${query.toString()}` : ''}`;
      printRows(ctx.out, (await ctx.api().request<Row[]>('GET', path)).body, REQUEST_COLUMNS);
    });
}
