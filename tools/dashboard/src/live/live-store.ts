import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { EventStream, type StreamStatus } from '../api/event-stream.js';
import { tokenStore } from '../api/client.js';
import type { SseMessage } from '../api/sse-parser.js';
import type {
  LoggedEvent,
  PoolPoint,
  SitePoint,
  StatsHistory,
  StatsSnapshot,
  StatsTick,
} from '../api/types.js';

export interface LiveState {
  snapshot: StatsSnapshot | null;
  poolHistory: Record<string, PoolPoint[]>;
  siteHistory: Record<string, SitePoint[]>;
  windowMs: number;
  /** The event log, newest first. */
  events: LoggedEvent[];
  status: StreamStatus;
  /** The last time the stream dropped and came back, for the "reconnected" notice. */
  recovered: { droppedAt: number; backAt: number } | null;
  /** The newest configuration version a ConfigChange event announced. */
  configVersion: number | null;
}

const MAX_EVENTS = 500;

const initial = (): LiveState => ({
  snapshot: null,
  poolHistory: {},
  siteHistory: {},
  windowMs: 15 * 60_000,
  events: [],
  status: { kind: 'connecting' },
  recovered: null,
  configVersion: null,
});

/**
 * Everything the views show live, fed by one connection: the event stream with ?stats=1 (History once per
 * connection, Stats every 2 s, and the event log's entries). No view polls; a view that needs more (a
 * pool's jobs, the configuration) reads it when it opens and again when an event says it changed.
 */
export class LiveStore {
  private state: LiveState = initial();
  private readonly listeners = new Set<(state: LiveState) => void>();
  private stream: EventStream | undefined;
  private droppedAt: number | undefined;

  get(): LiveState {
    return this.state;
  }

  subscribe(listener: (state: LiveState) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  async start(onUnauthorized: () => void): Promise<void> {
    // The recent events first, so the stream starts right after the newest; without them (Redis away for
    // a moment) the stream starts anyway and the list fills as events come.
    const body = await api<LoggedEvent[]>('/api/events?count=200').then(
      (answer) => answer.body,
      (): LoggedEvent[] => [],
    );
    this.update({ events: body });
    this.stream = new EventStream(
      '/api/events/stream?stats=1',
      () => tokenStore.get(),
      {
        message: (message) => this.onMessage(message),
        status: (status) => {
          if (status.kind === 'unauthorized') onUnauthorized();
          this.onStatus(status);
        },
      },
      body[0]?.id,
    );
    this.stream.start();
  }

  stop(): void {
    this.stream?.close();
    this.state = initial();
  }

  /** Drops the stream on purpose (the status bar's "Reconnect" button): it comes back by itself. */
  reconnect(): void {
    this.stream?.drop();
  }

  private onStatus(status: StreamStatus): void {
    if (status.kind === 'down') this.droppedAt ??= status.since;
    if (status.kind === 'live' && this.droppedAt !== undefined) {
      this.update({ status, recovered: { droppedAt: this.droppedAt, backAt: status.since } });
      this.droppedAt = undefined;
      return;
    }
    this.update({ status });
  }

  private onMessage(message: SseMessage): void {
    const data = JSON.parse(message.data) as unknown;
    if (message.event === 'History') {
      const history = data as StatsHistory;
      this.update({
        poolHistory: history.pools,
        siteHistory: history.sites,
        windowMs: history.windowMs,
        ...(history.snapshot ? { snapshot: history.snapshot } : {}),
      });
    } else if (message.event === 'Stats') {
      this.onTick(data as StatsTick);
    } else {
      const event = data as LoggedEvent;
      if (this.state.events.some((e) => e.id === event.id)) return;
      const version = event.kind === 'ConfigChange' ? Number(event.version) : undefined;
      this.update({
        events: [event, ...this.state.events].slice(0, MAX_EVENTS),
        ...(version !== undefined && Number.isFinite(version) ? { configVersion: version } : {}),
      });
    }
  }

  private onTick(tick: StatsTick): void {
    const since = tick.snapshot.at - this.state.windowMs;
    const extend = <T extends { at: number }>(series: Record<string, T[]>, points: Record<string, T>) =>
      Object.fromEntries(
        Object.entries(points).map(([key, point]) => [
          key,
          [...(series[key] ?? []).filter((p) => p.at > since && p.at < point.at), point],
        ]),
      );
    this.update({
      snapshot: tick.snapshot,
      poolHistory: extend(this.state.poolHistory, tick.pools),
      siteHistory: extend(this.state.siteHistory, tick.sites),
    });
  }

  private update(patch: Partial<LiveState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener(this.state);
  }
}

export const liveStore = new LiveStore();

/** The live state in a component, re-rendered at every change. */
export function useLive(): LiveState {
  const [state, setState] = useState(liveStore.get());
  useEffect(() => liveStore.subscribe(setState), []);
  return state;
}
