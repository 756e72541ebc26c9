import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The client connection a request arrived on, as one stable object per connection: the socket for HTTP/1.x,
 * the session for HTTP/2 (its compatibility requests' `socket` is a proxy made per access, so it cannot key
 * anything; the session is one object carrying many requests). Both emit `close` once when it ends.
 */
export function connectionOf(request: IncomingMessage): EventEmitter {
  return (request as { stream?: { session?: EventEmitter } }).stream?.session ?? request.socket;
}

/** Set by the endpoint on each TLS socket it hands to HTTP/2: the socket itself. */
export const CONNECTION_SOCKET = Symbol('w3pool.connectionSocket');

/**
 * The socket a request arrived on, the very object the endpoint's onConnection hook was given. For HTTP/2
 * `request.socket` is a proxy made per stream that reads its properties from the session's socket, so it
 * reads this property from there.
 */
export function socketOf(request: IncomingMessage): Socket {
  const socket = request.socket as Socket & { [CONNECTION_SOCKET]?: Socket };
  return socket[CONNECTION_SOCKET] ?? socket;
}
