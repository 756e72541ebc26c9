import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { HELLO_BODY } from '../payload.js';
import { exitGracefullyOnSigint } from './graceful-exit.js';

// The Express app as its author writes it, and as both sides run it unmodified:
// - PM2 (cluster mode) runs this file in each instance: the listen() below binds PORT, shared by the cluster.
// - w3pool's NodeAppModule imports it in a worker's domain thread and serves the default export; there the
//   listen() is intercepted and binds nothing (docs/node-apps.md, "Applications that call listen()").

/** The part of Express 5 used here. The workspace has no @types/express, so it is typed by hand. */
interface ExpressResponse extends ServerResponse {
  type(type: string): this;
  send(body: string | Buffer): this;
}

interface ExpressApp {
  (request: IncomingMessage, response: ServerResponse): void;
  get(path: string, handler: (request: IncomingMessage, response: ExpressResponse) => void): this;
  listen(port: number, host: string, callback: () => void): Server;
}

// Express is CommonJS: require() it, with the types above instead of an implicit any.
const express = createRequire(import.meta.url)('express') as () => ExpressApp;

const app = express();

app.get('/hello', (_request, response) => {
  response.type('text/plain').send(HELLO_BODY);
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () =>
  console.log(`express app ready ${process.pid}`),
);

exitGracefullyOnSigint(server);

export default app;
