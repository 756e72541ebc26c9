import { Command } from 'commander';
import { AdminClient, adminSettings } from './admin-client.js';
import type { CliContext } from './cli-context.js';
import { configCommands } from './config-commands.js';
import { controlCommands } from './control-commands.js';
import { crudCommands } from './crud-commands.js';
import { eventsCommand } from './events-command.js';
import { importCommand } from './import-command.js';
import { listCommands } from './list-commands.js';

export interface ProgramIo {
  env: NodeJS.ProcessEnv;
  write(text: string): void;
}

/**
 * The `w3pool` command tree (appcmd's verbs and objects). Built per run so that tests can parse
 * arguments without a process; the admin client is made only once the global options are parsed.
 */
export function buildProgram(io: ProgramIo): Command {
  const program = new Command()
    .name('w3pool')
    .description(
      "appcmd's counterpart: list, control and configure a running w3pool through WAS's admin API.",
    )
    .option('--url <url>', 'the admin API (default: W3POOL_ADMIN_URL or http://127.0.0.1:8172)')
    .option('--json', 'print the API answer as JSON, for scripts')
    .showHelpAfterError()
    .addHelpText(
      'after',
      '\nThe token is read from W3POOL_ADMIN_TOKEN or the file W3POOL_ADMIN_TOKEN_FILE (never an argument: ps shows those).',
    );
  let client: AdminClient | undefined;
  const ctx: CliContext = {
    api: () => (client ??= new AdminClient(adminSettings(io.env, program.opts<{ url?: string }>().url))),
    out: {
      get json() {
        return program.opts<{ json?: boolean }>().json === true;
      },
      write: (text) => io.write(text),
    },
  };
  listCommands(program, ctx);
  controlCommands(program, ctx);
  crudCommands(program, ctx);
  configCommands(program, ctx);
  importCommand(program, ctx);
  eventsCommand(program, ctx);
  return program;
}
