import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestSocket } from './request-socket.js';

/**
 * A real http.ServerResponse on the request's socket: Node itself implements statusCode, setHeader,
 * writeHead, headersSent, write/end, HEAD and 204/304 without a body, Content-Length from end(), chunked
 * framing and trailers, and what frameworks patch on top of them (Express's send, redirect, cookie). The
 * socket turns what Node writes into the SDK's response.
 */
export function createServerResponse(req: IncomingMessage, socket: RequestSocket): ServerResponse {
  const res = new ServerResponse(req);
  // The listener dates the response as it sends it, as http.sys does.
  res.sendDate = false;
  res.assignSocket(socket as unknown as Socket);
  relayDrain(res, socket);
  return res;
}

/**
 * Node's server, not the response, turns a socket's 'drain' into the response's: when write() returned
 * false, 'drain' fires once the socket (here, the SDK) has taken what was buffered. Node marks the response
 * as waiting with an internal symbol; without it (another Node version) every socket drain is passed on,
 * which streams tolerate.
 */
function relayDrain(res: ServerResponse, socket: RequestSocket): void {
  const needDrain = Object.getOwnPropertySymbols(res).find((s) => s.description === 'kNeedDrain');
  const state = res as unknown as Record<symbol, unknown>;
  socket.on('drain', () => {
    if (needDrain !== undefined) {
      if (state[needDrain] !== true) return;
      state[needDrain] = false;
    }
    if (!res.writableEnded) res.emit('drain');
  });
}
