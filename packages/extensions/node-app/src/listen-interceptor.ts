import { Server } from 'node:http';

/** Where an application asked to listen: a port, or a pipe's path. */
export type ListenTarget = number | string;

/**
 * Applications written to run on their own call `app.listen(process.env.PORT || 3000)`. In w3pool the
 * listener owns the port, and every worker process of the pool runs the application: binding would fail
 * (EADDRINUSE) or, worse, serve behind w3pool's back. So http.Server's listen() is taken over in the
 * application's domain (a thread of its own, so nothing else sees it): the server is remembered as the
 * application's, nothing is bound, and 'listening' and the callback fire as if it had been. address(),
 * `listening` and close() answer accordingly.
 */
export class ListenInterceptor {
  private readonly servers: { server: Server; target: ListenTarget }[] = [];
  private readonly waiters = new Set<() => void>();
  private original: PropertyDescriptor | undefined;
  private installed = false;

  install(): void {
    if (this.installed) return;
    this.installed = true;
    this.original = Object.getOwnPropertyDescriptor(Server.prototype, 'listen');
    const intercept = (server: Server, args: unknown[]) => this.intercept(server, args);
    Object.defineProperty(Server.prototype, 'listen', {
      configurable: true,
      writable: true,
      value: function listen(this: Server, ...args: unknown[]): Server {
        return intercept(this, args);
      },
    });
  }

  /** Give http.Server its own listen() back (tests; a domain keeps the interceptor for its lifetime). */
  restore(): void {
    if (!this.installed) return;
    this.installed = false;
    if (this.original) Object.defineProperty(Server.prototype, 'listen', this.original);
    else Reflect.deleteProperty(Server.prototype, 'listen');
    this.servers.length = 0;
  }

  /** A position in the sequence of listen() calls, to ask later what listened after it. */
  mark(): number {
    return this.servers.length;
  }

  /** The first server that called listen() after `mark`, waiting for one up to `timeoutMs`. */
  async next(mark: number, timeoutMs: number): Promise<{ server: Server; target: ListenTarget } | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.servers.length <= mark) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
    return this.servers[mark];
  }

  private intercept(server: Server, args: unknown[]): Server {
    const target = listenTarget(args[0]);
    const callback = args.find((arg): arg is () => void => typeof arg === 'function');
    let listening = true;
    Object.defineProperties(server, {
      listening: { configurable: true, get: () => listening },
      address: {
        configurable: true,
        writable: true,
        value: () => {
          if (!listening) return null;
          return typeof target === 'string' ? target : { address: '::', family: 'IPv6', port: target };
        },
      },
      close: {
        configurable: true,
        writable: true,
        value: (done?: (error?: Error) => void) => {
          listening = false;
          process.nextTick(() => {
            server.emit('close');
            done?.();
          });
          return server;
        },
      },
    });
    if (callback) server.once('listening', callback);
    process.nextTick(() => server.emit('listening'));
    this.servers.push({ server, target });
    for (const wake of [...this.waiters]) wake();
    return server;
  }
}

/** listen(port), listen('3000'), listen(path), listen({ port }) or listen({ path }); anything else is 0. */
function listenTarget(first: unknown): ListenTarget {
  if (typeof first === 'number') return first;
  if (typeof first === 'string') return /^\d+$/.test(first) ? Number(first) : first;
  if (typeof first === 'object' && first !== null) {
    const options = first as { port?: unknown; path?: unknown };
    if (options.port !== undefined) return Number(options.port) || 0;
    if (typeof options.path === 'string') return options.path;
  }
  return 0;
}

/** The one interceptor of this thread: http.Server.prototype is per thread, as the application is. */
export const listenInterceptor = new ListenInterceptor();
