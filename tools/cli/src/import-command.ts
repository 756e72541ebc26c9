import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliError } from './admin-client.js';
import type { CliContext } from './cli-context.js';
import { changed, currentEtag, pair } from './config-commands.js';

type Row = Record<string, unknown>;

// w3pool import FILE: IIS's applicationHost.config through POST /api/config/import. A dry run by default
// (the report and the YAML it would give); --apply replaces the running configuration, If-Match the
// version read just before, so that a change made meanwhile is not overwritten (412).

export function importCommand(program: Command, ctx: CliContext): void {
  program
    .command('import')
    .description(
      "import IIS's applicationHost.config (dry run: the report and the YAML; --apply to apply it)",
    )
    .argument('<file>', 'applicationHost.config')
    .option('--apply', 'replace the running configuration with the import (If-Match: the current ETag)')
    .option('--var <NAME=VALUE>', 'the value of a %VARIABLE% (repeatable)', pair)
    .option('--map <FROM=TO>', 'a Windows path prefix and what it becomes (repeatable)', pair)
    .action(
      async (
        file: string,
        options: { apply?: boolean; var?: [string, string][]; map?: [string, string][] },
      ) => {
        const xml = await readFile(file, 'utf8').catch((error: Error) => {
          throw new CliError('WAS_CLI_FILE_INVALID', `cannot read ${file}: ${error.message}`);
        });
        const paths = {
          vars: Object.fromEntries(options.var ?? []),
          prefixes: (options.map ?? []).map(([from, to]) => ({ from, to })),
        };
        const apply = options.apply === true;
        const { body } = await ctx
          .api()
          .request<Row>('POST', `/api/config/import${apply ? '?apply=1' : ''}`, {
            body: { xml, paths },
            ...(apply ? { ifMatch: await currentEtag(ctx) } : {}),
          });
        if (ctx.out.json) return ctx.out.write(`${JSON.stringify(body, null, 2)}\n`);
        ctx.out.write(String(body.report));
        ctx.out.write(
          apply
            ? `\nconfiguration replaced: ${changed(body)}\n`
            : `\n# dry run: the configuration it would give (--apply to apply)\n${String(body.yaml)}`,
        );
      },
    );
}
