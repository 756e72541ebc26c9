import type { Socket } from 'node:net';

export type SlowDirection = 'send' | 'receive';

/**
 * How long a connection must have stalled before it is judged, in seconds. http.sys gives each send its
 * own timer (its size divided by the rate, minutes for a large send); a sliding window over all the
 * connection's traffic is cheaper and catches the same clients. 10 s rides out a TCP retransmission
 * back-off (1, 2, 4 s) and a browser's short pause, while still dropping a client that parks a response
 * in the server's memory for good.
 */
export const MIN_RATE_WINDOW_SECONDS = 10;

/** One direction of one connection: consecutive stalled samples, and their byte counts (a ring). */
class Run {
  length = 0;
  private ring: Float64Array | undefined;

  constructor(private readonly size: number) {}

  /**
   * One sample while data waits; returns how many bytes moved over the last `size - 1` seconds, or
   * undefined while the run is shorter than that.
   */
  sample(bytes: number): number | undefined {
    const ring = (this.ring ??= new Float64Array(this.size));
    ring[this.length % this.size] = bytes;
    this.length += 1;
    if (this.length < this.size) return undefined;
    return bytes - ring[this.length % this.size]!;
  }
}

interface Watched {
  readonly send: Run;
  readonly receive: Run;
  /** The listener wants request-body bytes on this connection (the body pump is reading, not paused). */
  /** The body pumps reading from this connection now: several streams of one HTTP/2 connection may. */
  readers: Set<object>;
}

/**
 * http.sys's Timer_MinBytesPerSecond (webLimits.minBytesPerSecond): a client that takes the response, or
 * sends the request body the listener is reading, slower than the rate is disconnected. One shared timer
 * samples every connection once a second:
 *
 * - send: response bytes wait in user space (`writableLength > 0`) at every sample of the window, and the
 *   bytes the kernel took (`bytesWritten - writableLength`: Node counts buffered bytes as written) grew by
 *   less than rate × window. Idle keep-alive connections and handlers that write slowly have nothing
 *   waiting, so they are never judged; a client that reads is never cut whatever its pauses shorter than
 *   the window.
 * - receive: the listener was reading a request body at every sample of the window (not paused because the
 *   worker has not asked for more), and `bytesRead` grew by less than rate × window.
 */
export class MinRateMonitor {
  private readonly watched = new Map<Socket, Watched>();
  private timer: NodeJS.Timeout | undefined;
  private minBytesPerSecond = 240;

  constructor(
    private readonly onSlow: (socket: Socket, direction: SlowDirection) => void,
    private readonly windowSeconds = MIN_RATE_WINDOW_SECONDS,
  ) {}

  /** 0 disables the check. */
  configure(minBytesPerSecond: number): void {
    this.minBytesPerSecond = minBytesPerSecond;
    this.schedule();
  }

  /** A connection was accepted (EndpointHooks.onConnection). */
  watch(socket: Socket): void {
    const size = this.windowSeconds + 1;
    this.watched.set(socket, { send: new Run(size), receive: new Run(size), readers: new Set() });
    socket.once('close', () => {
      this.watched.delete(socket);
      if (this.watched.size === 0) this.schedule();
    });
    this.schedule();
  }

  /** A request's body pump (`reader`) started (true) or stopped (false) reading from this connection. */
  expectBody(socket: Socket, reader: object, expecting: boolean): void {
    const watched = this.watched.get(socket);
    if (!watched) return;
    if (expecting) watched.readers.add(reader);
    else watched.readers.delete(reader);
  }

  get size(): number {
    return this.watched.size;
  }

  /** One sample of every connection; public so tests can drive it without waiting for the clock. */
  sample(): void {
    const floor = this.minBytesPerSecond * this.windowSeconds;
    for (const [socket, watched] of this.watched) {
      const slow =
        this.judge(
          watched.send,
          socket.writableLength > 0,
          socket.bytesWritten - socket.writableLength,
          floor,
        ) ?? this.judge(watched.receive, watched.readers.size > 0, socket.bytesRead, floor);
      if (slow === undefined) continue;
      this.watched.delete(socket);
      this.onSlow(socket, slow === watched.send ? 'send' : 'receive');
    }
  }

  private judge(run: Run, waiting: boolean, bytes: number, floor: number): Run | undefined {
    if (!waiting) {
      run.length = 0;
      return undefined;
    }
    const moved = run.sample(bytes);
    return moved !== undefined && moved < floor ? run : undefined;
  }

  /** The timer runs only while there is something to watch and a rate to hold it to. */
  private schedule(): void {
    const needed = this.minBytesPerSecond > 0 && this.watched.size > 0;
    if (needed && !this.timer) {
      this.timer = setInterval(() => this.sample(), 1000);
      this.timer.unref();
    } else if (!needed && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
