// A service that logs through serviceLogger to a stdout its parent may not read. It logs LINES lines of
// about 1 KB, says so on stderr, then on each line of stdin logs one more line ("after <n>"); it exits when
// stdin ends. The parent decides when stdout is read.
import { createInterface } from 'node:readline';
import { serviceLogger } from '../dist/index.js';

const lines = Number(process.env.LINES);
const log = serviceLogger(
  { service: 'chatty' },
  { stallLimitMs: Number(process.env.STALL_LIMIT_MS), backlogBytes: Number(process.env.BACKLOG_BYTES) },
);
const padding = 'x'.repeat(1000);
for (let n = 0; n < lines; n += 1) log.info({ n, padding }, 'line');
process.stderr.write('logged\n');
let after = 0;
createInterface({ input: process.stdin })
  .on('line', () => log.info({ n: (after += 1) }, 'after'))
  .on('close', () => process.exit(0));
