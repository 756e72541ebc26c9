import cluster from 'node:cluster';
import type { Server } from 'node:http';

/**
 * PM2 stops an instance (on `pm2 reload` too) with SIGINT, and SIGKILLs it 1.6 s later. Node's default is
 * to exit at once, which drops the requests in flight; so PM2's graceful-shutdown guide has the app close its
 * server first. In cluster mode closing the server is not enough: the primary may already be handing this
 * instance a connection, and one that arrives after the exit is lost (the primary holds it, unanswered, for
 * good). `worker.disconnect()` closes the server, hands such connections back to the primary for the other
 * instances, waits for the requests in flight, and only then leaves the cluster: the exit comes after.
 * Outside a cluster (or in w3pool's domain thread, where no signal arrives) it is a plain close.
 */
export function exitGracefullyOnSigint(server: Server): void {
  process.once('SIGINT', () => {
    const worker = cluster.worker;
    if (worker === undefined) {
      server.close(() => process.exit(0));
      return;
    }
    worker.once('disconnect', () => process.exit(0));
    worker.disconnect();
  });
}
