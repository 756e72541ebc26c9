import { connect, type Socket } from 'node:net';

// Slow clients for fault 9: crowds of connections that each misbehave one way (slowloris headers, a
// response read a trickle at a time, a body sent a trickle at a time). A crowd keeps its size for the
// attack: each connection the server cuts, and sees cut, is replaced at once. A slow reader's paused
// socket sees nothing until it reads on at the end, so readers come once (a new one would be a new
// download). Every connection ends one of two ways, and is counted: cut by the server (its timer did its
// job), or still open at the end (the timer failed).

export interface CrowdTally {
  kind: string;
  opened: number;
  /** Closed by the server before it finished: the timer cut it. */
  cut: number;
  /** Never cut: still open when the attack was over, or allowed to finish (a whole body read). */
  notCut: number;
  /** Bytes the server sent before a slowloris or slow upload was cut (http.sys sends none). */
  answeredBytes: number;
  /** The longest a connection lived before the server cut it, ms. */
  longestMs: number;
}

/** One connection's misbehaviour, started once it is connected. */
interface Misbehaviour {
  /** Stop the trickle (the connection closed, or the attack is over). */
  stop(): void;
  /** For a slow reader: start reading at full speed to learn whether the server cut it. */
  settle?(): void;
  /** True when the server let it finish: a slow reader that received the whole body. */
  finished?(): boolean;
}

export type Kind = 'slowloris' | 'slow-read' | 'slow-upload';

export interface CrowdOptions {
  port: number;
  kind: Kind;
  size: number;
  /** The path each connection asks for: a large response for slow-read, an upload handler for uploads. */
  path: string;
  /** slow-read: how many bytes a whole response has (a reader that gets them was not cut). */
  bodyBytes?: number;
  /**
   * The first connections open spread evenly over this long (default 0: all at once), as a crowd arrives;
   * a reader's first second moves megabytes into the kernel's buffers, a cost no server avoids.
   */
  rampMs?: number;
}

const TRICKLE_MS = 500;

export class SlowCrowd {
  readonly tally: CrowdTally;
  private readonly live = new Map<Socket, { openedAt: number; behaviour?: Misbehaviour }>();
  private attacking = false;
  private whenEmpty: (() => void) | undefined;
  private readonly ramp: NodeJS.Timeout[] = [];

  constructor(private readonly options: CrowdOptions) {
    this.tally = { kind: options.kind, opened: 0, cut: 0, notCut: 0, answeredBytes: 0, longestMs: 0 };
  }

  start(): this {
    this.attacking = true;
    const { size, rampMs = 0 } = this.options;
    for (let i = 0; i < size; i += 1) {
      if (rampMs === 0) this.open();
      else this.ramp.push(setTimeout(() => this.attacking && this.open(), (i * rampMs) / size));
    }
    return this;
  }

  /**
   * Stop replacing; slow readers read on to see whether they were cut. Resolves when the server has closed
   * every connection, or at `deadlineMs`, when those still open are counted not cut and closed by us.
   */
  async stop(deadlineMs: number): Promise<CrowdTally> {
    this.attacking = false;
    for (const timer of this.ramp) clearTimeout(timer);
    for (const { behaviour } of this.live.values()) behaviour?.settle?.();
    if (this.live.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => (this.whenEmpty = resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs))),
      ]);
      clearTimeout(timer);
    }
    for (const socket of [...this.live.keys()]) {
      this.live.delete(socket);
      this.tally.notCut += 1;
      socket.destroy();
    }
    return this.tally;
  }

  private open(): void {
    const socket = connect(this.options.port, '127.0.0.1');
    const entry: { openedAt: number; behaviour?: Misbehaviour } = { openedAt: performance.now() };
    this.live.set(socket, entry);
    this.tally.opened += 1;
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      if (this.live.has(socket)) entry.behaviour = this.misbehave(socket);
    });
    socket.once('close', () => {
      entry.behaviour?.stop();
      if (!this.live.delete(socket)) return; // closed by stop(): already counted
      if (entry.behaviour?.finished?.()) this.tally.notCut += 1;
      else {
        this.tally.cut += 1;
        this.tally.longestMs = Math.max(this.tally.longestMs, performance.now() - entry.openedAt);
      }
      if (this.attacking) this.open();
      else if (this.live.size === 0) this.whenEmpty?.();
    });
  }

  private misbehave(socket: Socket): Misbehaviour {
    const { kind, path } = this.options;
    if (kind === 'slowloris') {
      // A request head that never ends: one more header line every half second.
      socket.on('data', (c: Buffer) => (this.tally.answeredBytes += c.length));
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n`);
      const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), TRICKLE_MS);
      return { stop: () => clearInterval(trickle) };
    }
    if (kind === 'slow-upload') {
      // A declared 1 MB body, sent 100 bytes every half second (200 B/s).
      socket.on('data', (c: Buffer) => (this.tally.answeredBytes += c.length));
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n`);
      const piece = Buffer.alloc(100, 0x61);
      const trickle = setInterval(() => socket.writable && socket.write(piece), TRICKLE_MS);
      return { stop: () => clearInterval(trickle) };
    }
    // slow-read: a large response taken 1 KB a second, from a paused socket.
    let received = 0;
    socket.pause();
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const trickle = setInterval(() => {
      received += (socket.read(1024) as Buffer | null)?.length ?? 0;
    }, 1000);
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      clearInterval(trickle);
      socket.on('data', (c: Buffer) => (received += c.length));
      socket.resume();
    };
    return {
      stop: () => clearInterval(trickle),
      settle,
      finished: () => received >= (this.options.bodyBytes ?? Number.MAX_SAFE_INTEGER),
    };
  }
}
