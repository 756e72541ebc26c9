import { ApplicationPoolSchema } from '@w3pool/config';
import type { Command } from 'commander';
import { CliError } from './admin-client.js';
import type { CliContext } from './cli-context.js';
import { printResult } from './output.js';
import { settingsPatch } from './setting-values.js';

type Row = Record<string, unknown>;

// appcmd recycle|start|stop apppool and start|stop site (runtime actions), and appcmd set apppool
// (a configuration change through the live-config PATCH route: validated, written back, applied live).

const pool = (name: string) => encodeURIComponent(name);

/** A site by id or by name (appcmd's /site.name:X), as the id the routes take. */
export async function siteId(ctx: CliContext, site: string): Promise<number> {
  if (/^[1-9]\d*$/.test(site)) return Number(site);
  const sites = (await ctx.api().request<Row[]>('GET', '/api/sites')).body;
  const found = sites.find((s) => String(s.name).toLowerCase() === site.toLowerCase());
  if (!found) throw new CliError('WAS_SITE_NOT_FOUND', `no site is named "${site}"`);
  return Number(found.id);
}

/** `apppool NAME` / `site NAME`, the object kinds of start and stop. */
function objectKind(kind: string, allowed: string[]): string {
  const normal = kind.replace(/s$/, '');
  if (!allowed.includes(normal))
    throw new CliError('WAS_CLI_ARGUMENT_INVALID', `expected ${allowed.join(' or ')}, got "${kind}"`);
  return normal;
}

function describe(action: string, body: Row): string {
  // The acknowledged answers (docs/admin-api.md): a recycle's old and new pids, a state change's listeners.
  const details: string[] = [];
  if (Array.isArray(body.oldPids) || Array.isArray(body.newPids))
    details.push(
      `old pids ${JSON.stringify(body.oldPids ?? [])}, new pids ${JSON.stringify(body.newPids ?? [])}`,
    );
  if (typeof body.listeners === 'number')
    details.push(`applied by ${body.listeners} listener(s) in ${Number(body.acknowledgedMs)} ms`);
  return details.length > 0 ? `${action} (${details.join('; ')})` : action;
}

export function controlCommands(program: Command, ctx: CliContext): void {
  program
    .command('recycle')
    .description('recycle an application pool (overlapped, as IIS): recycle apppool NAME')
    .argument('<kind>', 'apppool')
    .argument('<name>')
    .action(async (kind: string, name: string) => {
      objectKind(kind, ['apppool']);
      const { body } = await ctx.api().request<Row>('POST', `/api/apppools/${pool(name)}/recycle`);
      printResult(ctx.out, body, describe(`APPPOOL "${name}" recycled`, body));
    });
  for (const action of ['start', 'stop'] as const) {
    program
      .command(action)
      .description(`${action} an application pool or a site: ${action} apppool|site NAME`)
      .argument('<kind>', 'apppool or site')
      .argument('<name>', 'the pool name, or the site id or name')
      .action(async (kind: string, name: string) => {
        const what = objectKind(kind, ['apppool', 'site']);
        const path =
          what === 'apppool'
            ? `/api/apppools/${pool(name)}/${action}`
            : `/api/sites/${await siteId(ctx, name)}/${action}`;
        const { body } = await ctx.api().request<Row>('POST', path);
        const label = what === 'apppool' ? `APPPOOL "${name}"` : `SITE "${name}"`;
        printResult(ctx.out, body, describe(`${label} ${action === 'start' ? 'started' : 'stopped'}`, body));
      });
  }
  program
    .command('set')
    .description(
      'change settings of a pool: set apppool NAME --queueLength 500 --processModel.idleTimeout 00:10:00',
    )
    .argument('<kind>', 'apppool')
    .argument('<name>')
    .argument('[settings...]', '--setting value pairs, by their IIS names')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (kind: string, name: string, settings: string[]) => {
      objectKind(kind, ['apppool']);
      const patch = settingsPatch(settings, ApplicationPoolSchema);
      if (Object.keys(patch).length === 0)
        throw new CliError('WAS_CLI_ARGUMENT_INVALID', 'no setting given (--name value)');
      const { body } = await ctx
        .api()
        .request<Row>('PATCH', `/api/config/apppools/${pool(name)}`, { body: patch });
      printResult(
        ctx.out,
        body,
        `APPPOOL "${name}" changed: version ${String(body.version)} (${String(body.persisted)})`,
      );
    });
}
