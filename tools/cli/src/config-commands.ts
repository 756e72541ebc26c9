import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse, stringify } from 'yaml';
import { CliError } from './admin-client.js';
import type { CliContext } from './cli-context.js';
import { printResult, printRows } from './output.js';
import { field } from './table.js';

type Row = Record<string, unknown>;

// w3pool config get|put|history: the whole configuration and its versions.

/** A YAML or JSON file as a tree (YAML is a superset of JSON, so one parser reads both). */
async function readTree(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new CliError('WAS_CLI_FILE_INVALID', `cannot read ${file}: ${error.message}`);
  });
  try {
    return parse(text) as unknown;
  } catch (error) {
    throw new CliError('WAS_CLI_FILE_INVALID', `${file} is not YAML or JSON: ${(error as Error).message}`);
  }
}

/** `NAME=VALUE` → [NAME, VALUE]; collected by commander into a list. */
export function pair(text: string, previous: [string, string][] = []): [string, string][] {
  const equals = text.indexOf('=');
  if (equals <= 0) throw new CliError('WAS_CLI_ARGUMENT_INVALID', `expected NAME=VALUE, got "${text}"`);
  return [...previous, [text.slice(0, equals), text.slice(equals + 1)]];
}

/** The held version's ETag, for the If-Match of a write that replaces the whole tree. */
export async function currentEtag(ctx: CliContext): Promise<string> {
  const { etag } = await ctx.api().request('GET', '/api/config');
  if (!etag) throw new CliError('WAS_CLI_ANSWER_INVALID', 'the admin API gave no ETag for the configuration');
  return etag;
}

export const changed = (body: Row) => `version ${String(body.version)} (${String(body.persisted)})`;

export function configCommands(program: Command, ctx: CliContext): void {
  const config = program.command('config').description('the whole configuration: get, put, history');
  config
    .command('get')
    .description('print the running configuration (YAML; JSON with --json)')
    .action(async () => {
      const { body, etag } = await ctx.api().request('GET', '/api/config');
      ctx.out.write(
        ctx.out.json
          ? `${JSON.stringify(body, null, 2)}\n`
          : `# ETag: ${etag ?? '-'}\n${stringify(body, { lineWidth: 0 })}`,
      );
    });
  config
    .command('put')
    .description('replace the configuration with a YAML or JSON file (If-Match: the current ETag)')
    .argument('<file>')
    .action(async (file: string) => {
      const tree = await readTree(file);
      const { body } = await ctx
        .api()
        .request<Row>('PUT', '/api/config', { body: tree, ifMatch: await currentEtag(ctx) });
      printResult(ctx.out, body, `configuration replaced: ${changed(body)}`);
    });
  const history = config
    .command('history')
    .description('the last versions, newest first')
    .action(async () => {
      const { body } = await ctx.api().request<{ versions: Row[] }>('GET', '/api/config/history');
      printRows(ctx.out, body.versions, [
        field('VERSION', 'version'),
        field('TIME', 'time'),
        field('ORIGIN', 'origin'),
        field('CHANGED', 'changed'),
      ]);
    });
  history
    .command('restore')
    .description('make an earlier version the running one again')
    .argument('<version>')
    .action(async (version: string) => {
      if (!/^\d+$/.test(version))
        throw new CliError('WAS_CLI_ARGUMENT_INVALID', `a version is a number, got "${version}"`);
      const { body } = await ctx.api().request<Row>('POST', `/api/config/history/${version}/restore`);
      printResult(ctx.out, body, `version ${version} restored: ${changed(body)}`);
    });
}
