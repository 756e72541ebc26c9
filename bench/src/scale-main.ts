import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScaleSystem, type Machine } from '@w3pool/test/scale';

// `pnpm bench:scale` (issue 15, item 1): does throughput grow with pool hosts? One listener (h1) and 1, 2
// and 4 pool hosts on simulated machines (network namespaces: test/scale/topology.sh, root needed). The
// handler waits 20 ms on a timer, so a host's capacity is its worker slots (workerConcurrency 8, one
// worker process), not the two shared cores. Host counts are interleaved over rounds, so the ratios
// compare like with like. A benchmark, not a test: it reports the ratios against their targets and asserts
// nothing; it exits 1 only if a run could not be made at all.

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 1 : 3;
const DURATION_MS = quick ? 3000 : 10_000;
const HOST_COUNTS = [1, 2, 4] as const;
const TARGETS: Record<number, number> = { 2: 1.8, 4: 3.4 };
const POOL_HOSTS: Machine[] = ['h2', 'h3', 'h4', 'h5'];
const root = fileURLToPath(new URL('../../', import.meta.url));
const out = join(root, quick ? 'bench/out/scale.json' : 'bench/results/scale.json');

async function hostsRunning(system: ScaleSystem, count: number): Promise<void> {
  for (const [index, machine] of POOL_HOSTS.entries()) {
    const host = system.poolHosts.get(machine);
    if (index < count && !host?.running) await system.startPoolHost(machine);
    // SIGTERM drains: a host leaving takes its worker with it once its requests are done.
    if (index >= count && host?.running) {
      await host.stop('SIGTERM');
      system.poolHosts.delete(machine);
    }
  }
}

const system = await ScaleSystem.start({
  hosts: 5,
  listeners: ['h1'],
  poolHosts: [],
  pool: { workerConcurrency: 8, processModel: { maxProcesses: 1 } },
});
const samples: Record<number, number[]> = { 1: [], 2: [], 4: [] };
try {
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const count of HOST_COUNTS) {
      await hostsRunning(system, count);
      const result = await system.load({
        targets: ['h1'],
        path: '/sleep.test?ms=20',
        clients: 64,
        durationMs: DURATION_MS,
        mode: 'get',
        requestTimeoutMs: 30_000,
        retriesOnConnectionError: 0,
      });
      const failed = result.sent - result.ok;
      samples[count]!.push(result.requestsPerSecond);
      process.stdout.write(
        `round ${round}, ${count} pool host(s): ${result.requestsPerSecond} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms${failed ? `, ${failed} failed` : ''}\n`,
      );
    }
  }
} finally {
  await system.stop();
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const base = median(samples[1]!);
const rows = HOST_COUNTS.map((count) => {
  const rps = median(samples[count]!);
  const ratio = base > 0 ? Math.round((rps / base) * 100) / 100 : 0;
  const target = TARGETS[count];
  return {
    poolHosts: count,
    requestsPerSecond: rps,
    ratio,
    target,
    met: target === undefined || ratio >= target,
  };
});
for (const row of rows)
  process.stdout.write(
    `${row.poolHosts} pool host(s): ${row.requestsPerSecond} req/s, ${row.ratio}× one host${row.target ? ` (target ≥ ${row.target}×: ${row.met ? 'met' : 'missed'})` : ''}\n`,
  );
await mkdir(dirname(out), { recursive: true });
await writeFile(
  out,
  `${JSON.stringify({ measuredAt: new Date().toISOString(), rounds: ROUNDS, durationMs: DURATION_MS, samples, rows }, null, 2)}\n`,
);
process.stdout.write(`written to ${out}\n`);
if (rows.some((row) => row.requestsPerSecond === 0)) process.exit(1);
