import { ApplicationPoolSchema } from '@w3pool/config';
import type { Command } from 'commander';
import { CliError } from './admin-client.js';
import type { CliContext } from './cli-context.js';
import { siteId } from './control-commands.js';
import { printResult } from './output.js';
import { settingsPatch } from './setting-values.js';

type Row = Record<string, unknown>;

// appcmd add|delete site|app|vdir|apppool, on the live-config CRUD routes: every change is validated
// as the file is, written back, recorded in the history and applied live.

interface PlaceOptions {
  site?: string;
  app?: string;
  path?: string;
  physicalPath?: string;
  applicationPool?: string;
  id?: string;
  bindings?: string;
}

const required = (value: string | undefined, name: string): string => {
  if (value === undefined || value === '')
    throw new CliError('WAS_CLI_ARGUMENT_INVALID', `--${name} is required`);
  return value;
};

/** appcmd's /bindings:http/*:8081:,https/*:8443: → the binding list. */
export function parseBindings(text: string): { protocol: string; bindingInformation: string }[] {
  return text.split(',').map((entry) => {
    const slash = entry.indexOf('/');
    if (slash <= 0)
      throw new CliError('WAS_CLI_ARGUMENT_INVALID', `a binding is protocol/IP:port:host, got "${entry}"`);
    return { protocol: entry.slice(0, slash), bindingInformation: entry.slice(slash + 1) };
  });
}

const appSegment = (path: string) => encodeURIComponent(path);

async function collectionOf(ctx: CliContext, kind: string, options: PlaceOptions): Promise<string> {
  switch (kind) {
    case 'apppool':
      return '/api/config/apppools';
    case 'site':
      return '/api/config/sites';
    case 'app':
      return `/api/config/sites/${await siteId(ctx, required(options.site, 'site'))}/applications`;
    case 'vdir':
      return `/api/config/sites/${await siteId(ctx, required(options.site, 'site'))}/applications/${appSegment(options.app ?? '/')}/virtualDirectories`;
    default:
      throw new CliError('WAS_CLI_ARGUMENT_INVALID', `expected site, app, vdir or apppool, got "${kind}"`);
  }
}

/** The new item's tree, from the name and options, as appcmd add builds it. */
function newItem(kind: string, name: string | undefined, options: PlaceOptions, settings: string[]): Row {
  switch (kind) {
    case 'apppool':
      return {
        name: required(name, 'name (add apppool NAME)'),
        ...settingsPatch(settings, ApplicationPoolSchema),
      };
    case 'site':
      return {
        name: required(name, 'name (add site NAME)'),
        id: Number(required(options.id, 'id')),
        bindings: parseBindings(required(options.bindings, 'bindings')),
        applications: [
          {
            path: '/',
            applicationPool: options.applicationPool ?? 'DefaultAppPool',
            virtualDirectories: [{ path: '/', physicalPath: required(options.physicalPath, 'physicalPath') }],
          },
        ],
      };
    case 'app':
      return {
        path: required(options.path, 'path'),
        applicationPool: options.applicationPool ?? 'DefaultAppPool',
        virtualDirectories: [{ path: '/', physicalPath: required(options.physicalPath, 'physicalPath') }],
      };
    default:
      return {
        path: required(options.path, 'path'),
        physicalPath: required(options.physicalPath, 'physicalPath'),
      };
  }
}

/** The key of the item to delete: the pool's name, the site's id, the app's or vdir's path. */
async function itemKey(
  ctx: CliContext,
  kind: string,
  name: string | undefined,
  options: PlaceOptions,
): Promise<string> {
  if (kind === 'apppool') return encodeURIComponent(required(name, 'name (delete apppool NAME)'));
  if (kind === 'site') return String(await siteId(ctx, required(name, 'name (delete site NAME|ID)')));
  return appSegment(required(options.path ?? name, 'path'));
}

function placeOptions(command: Command): Command {
  return command
    .option('--site <site>', 'the site (id or name) of an app or vdir')
    .option('--app <path>', 'the application of a vdir', '/')
    .option('--path <path>', 'the virtual path of an app or vdir')
    .option('--physicalPath <dir>', 'the folder served')
    .option('--applicationPool <name>', 'the pool of a new site or app')
    .option('--id <id>', 'the id of a new site')
    .option('--bindings <list>', 'the bindings of a new site: http/*:8081:[,...]');
}

export function crudCommands(program: Command, ctx: CliContext): void {
  placeOptions(
    program
      .command('add')
      .description('add a site, app, vdir or apppool (apppool settings as --setting value)')
      .argument('<kind>', 'site, app, vdir or apppool')
      .argument('[name]', 'the name of a new site or apppool')
      .argument('[settings...]')
      .allowUnknownOption(),
  ).action(async (kind: string, name: string | undefined, settings: string[], options: PlaceOptions) => {
    const what = kind.replace(/s$/, '');
    const path = await collectionOf(ctx, what, options);
    const { body } = await ctx
      .api()
      .request<Row>('POST', path, { body: newItem(what, name, options, settings) });
    printResult(
      ctx.out,
      body,
      `${what.toUpperCase()} added: version ${String(body.version)} (${String(body.persisted)})`,
    );
  });
  placeOptions(
    program
      .command('delete')
      .description('delete a site, app, vdir or apppool')
      .argument('<kind>', 'site, app, vdir or apppool')
      .argument('[name]', 'the pool name, the site id or name, or the app or vdir path'),
  ).action(async (kind: string, name: string | undefined, options: PlaceOptions) => {
    const what = kind.replace(/s$/, '');
    const path = `${await collectionOf(ctx, what, options)}/${await itemKey(ctx, what, name, options)}`;
    const { body } = await ctx.api().request<Row>('DELETE', path);
    printResult(
      ctx.out,
      body,
      `${what.toUpperCase()} deleted: version ${String(body.version)} (${String(body.persisted)})`,
    );
  });
}
