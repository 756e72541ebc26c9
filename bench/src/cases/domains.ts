import { ApplicationPoolSchema, STATIC_FILE_MAPPING } from '@w3pool/config';
import { PoolQueue } from '@w3pool/pool-queue';
import { createRedis, redisReady } from '@w3pool/runtime';
import { fixtureSite, startNode } from '@w3pool/test/helpers';
import type { Variant } from '../domain-hop/hop-messages.js';
import { measureAll, type CaseContext } from '../measure.js';
import { benchScript, Cleanup, stopProcess } from '../processes.js';
import { LABELS, type Label } from '../results.js';
import { startFrontEnd, waitUntilServed } from './w3pool-system.js';

/** The pool the listener's configuration names and the bench worker takes from. */
const POOL = 'DefaultAppPool';
/** Capacity of either variant's consumer without --concurrency: the configuration's workerConcurrency. */
const DEFAULT_CAPACITY = Number(ApplicationPoolSchema.properties.workerConcurrency.default);

const VARIANTS: { variant: Variant; label: Label }[] = [
  { variant: 'takes', label: LABELS.domainTakes },
  { variant: 'relay', label: LABELS.domainRelays },
];

/**
 * Case e: how requests reach an application domain. The real Redis, WAS and listener, and in place of the
 * pool host a bench worker process (bench/src/domain-hop) whose one domain thread runs a hello handler,
 * fed either by taking from the pool queue itself (A, the product's design) or by the process's main
 * thread relaying one message per batch each way (B). Each variant gets a fresh Redis and system, so a
 * consumer of one can never take the other's requests.
 */
export async function runDomainsCase(context: CaseContext): Promise<void> {
  for (const { variant, label } of VARIANTS) await runVariant(context, variant, label);
}

async function runVariant(context: CaseContext, variant: Variant, label: Label): Promise<void> {
  const cleanup = new Cleanup();
  try {
    const front = await startFrontEnd(context, cleanup, {
      root: fixtureSite,
      handlers: [STATIC_FILE_MAPPING],
    });
    const capacity = context.options.concurrency ?? DEFAULT_CAPACITY;
    const args = ['--variant', variant, '--capacity', String(capacity)];
    const worker = startNode(
      `bench worker (${variant})`,
      [benchScript('domain-hop/worker-main.js'), ...args],
      front.env,
    );
    // Runs after the worker has stopped (cleanup runs in reverse): its consumer must have unregistered.
    cleanup.add(() => confirmUnregistered(context, front.redisUrl, label));
    cleanup.add(() => stopProcess(worker));
    await worker.waitForLine(/bench domain worker ready/);
    const url = `${front.baseUrl}/hello`;
    await waitUntilServed(url);
    await measureAll(context, {
      caseName: 'domains',
      label,
      url,
      processes: [
        front.roles.listener,
        { role: 'worker', pids: () => [worker.pid] },
        front.roles.was,
        front.roles.redis,
      ],
      services: [front.was, front.listener, worker],
      redis: front.redis,
    });
  } finally {
    await cleanup.run();
  }
}

/** The pool's queue after the worker stopped: no consumer left registered, nothing in flight or waiting. */
async function confirmUnregistered(context: CaseContext, redisUrl: string, label: Label): Promise<void> {
  const connection = createRedis(redisUrl, 'control');
  try {
    await redisReady(connection);
    const stats = await new PoolQueue(connection, POOL).stats();
    const left = `${stats.consumers} consumer(s), ${stats.requestsInFlight} in flight, ${stats.CurrentQueueSize} queued`;
    if (stats.consumers + stats.requestsInFlight + stats.CurrentQueueSize === 0)
      process.stderr.write(`bench: ${label}: its worker stopped and left the queue empty\n`);
    else context.results.note(`${label}: after its worker stopped, the pool queue still had ${left}.`);
  } finally {
    connection.disconnect();
  }
}
