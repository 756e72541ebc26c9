import { liveStore, useLive } from '../live/live-store.js';
import { time } from '../format.js';

/**
 * The live stream's health, always visible: live, reconnecting (with the attempt and the error), or back
 * after a drop (when, and that the missed events were replayed). A dashboard that silently shows stale
 * figures is worse than none.
 */
export function StreamStatus() {
  const { status, recovered } = useLive();
  let text: string;
  let kind: string;
  switch (status.kind) {
    case 'connecting':
      [text, kind] = ['Connecting to the live stream…', 'busy'];
      break;
    case 'live':
      [text, kind] = [`Live since ${time(status.since)}`, 'ok'];
      break;
    case 'down':
      [text, kind] = [
        `Live stream lost (${status.error}); reconnecting, attempt ${status.attempt}…`,
        'stopped',
      ];
      break;
    case 'unauthorized':
      [text, kind] = ['The token was refused: sign in again.', 'stopped'];
      break;
  }
  return (
    <div class="stream-status" role="status" aria-live="polite" data-stream={status.kind}>
      <span class={`dot ${kind}`} aria-hidden="true" />
      <span>{text}</span>
      {recovered && status.kind === 'live' ? (
        <span class="recovered" data-testid="stream-recovered">
          {' '}
          Reconnected at {time(recovered.backAt)} after a drop at {time(recovered.droppedAt)}; missed events
          were replayed.
        </span>
      ) : null}
      {status.kind === 'live' ? (
        <button type="button" class="link" onClick={() => liveStore.reconnect()}>
          Reconnect
        </button>
      ) : null}
    </div>
  );
}
