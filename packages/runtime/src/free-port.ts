import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The kernel's range for the local ports of outgoing connections. A port handed out from inside it can be
 * taken by any new client socket (a Redis connection, say) between the moment it is found free and the
 * moment a server binds it; below it, only another listener can take it.
 */
function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    return Number(low) || 32768;
  } catch {
    return 32768;
  }
}

const RANGE_END = ephemeralRangeStart();
const RANGE_START = Math.max(1024, RANGE_END - 12000);

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port free on 127.0.0.1 at the moment of return, chosen at random below the ephemeral range so that no
 * outgoing connection can take it before the caller binds it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = RANGE_START + Math.floor(Math.random() * (RANGE_END - RANGE_START));
    if (await canBind(port)) return port;
  }
  throw new Error(`no free port found between ${RANGE_START} and ${RANGE_END}`);
}
