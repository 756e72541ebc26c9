import type { Socket } from 'node:net';
import type { W3poolConfig } from '@w3pool/config';
import type { EndpointHooks } from '../endpoints.js';
import type { HttpErrLog } from '../httperr-log.js';
import { Bandwidth } from './bandwidth.js';
import { MinRateMonitor } from './min-rate-monitor.js';
import { SiteConnections } from './site-connections.js';

/**
 * http.sys's connection limits, in one place for the composition root: connections per site
 * (maxConnections, checked as a pre-queue check), the minimum transfer rate (minBytesPerSecond, on every
 * accepted connection) and bandwidth (maxBandwidth, maxGlobalBandwidth, where response bodies are written).
 */
export class ConnectionGovernor {
  readonly connections: SiteConnections;
  readonly minRate: MinRateMonitor;
  readonly bandwidth = new Bandwidth();
  readonly hooks: EndpointHooks;

  /** @param openConnections the listener counters' per-site connection counts, kept up to date here. */
  constructor(httperr: HttpErrLog, openConnections: Record<number, number>) {
    this.connections = new SiteConnections(openConnections);
    this.minRate = new MinRateMonitor((socket) => {
      // Read before destroying: a destroyed socket no longer reports its addresses.
      httperr.record({
        clientIp: socket.remoteAddress,
        clientPort: socket.remotePort,
        serverIp: socket.localAddress,
        serverPort: socket.localPort,
        reason: 'Timer_MinBytesPerSecond',
      });
      abort(socket);
    });
    this.hooks = { onConnection: (socket: Socket) => this.minRate.watch(socket) };
  }

  configure(config: W3poolConfig): void {
    this.minRate.configure(config.webLimits.minBytesPerSecond);
    this.bandwidth.configure(config);
  }
}

/**
 * Drop the connection as http.sys does, with a reset: a graceful close would first deliver what the kernel
 * still holds for a client that is not reading, and keep that memory meanwhile. A TLS socket cannot be reset
 * from JavaScript (its handle is not the TCP one); it is destroyed.
 */
function abort(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
