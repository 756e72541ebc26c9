import type { AdminClient } from './admin-client.js';
import type { Output } from './output.js';

/** What every command needs: the admin API (made once the global options are known) and the output. */
export interface CliContext {
  api(): AdminClient;
  out: Output;
}
