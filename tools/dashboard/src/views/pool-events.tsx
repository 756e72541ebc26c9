import type { LoggedEvent } from '../api/types.js';
import { time } from '../format.js';

/** What an event means, in the words of IIS's System log (WAS events 5074, 5011, 5002, 5186...). */
function describe(event: LoggedEvent): string {
  const pid = event.pid ? ` worker ${event.pid}` : '';
  switch (event.kind) {
    case 'Recycle':
      return `Recycled${pid}: ${event.reason ?? 'no reason given'}`;
    case 'Crash':
      return `Worker${pid} crashed${event.detail ? `: ${event.detail}` : ''}`;
    case 'IdleTimeout':
      return `Worker${pid} shut down after its idle timeout`;
    case 'RapidFail':
      return 'Pool stopped by rapid-fail protection';
    case 'PingFailure':
      return `Worker${pid} did not answer a ping`;
    case 'StartupFailure':
      return `Worker${pid} did not start in time`;
    case 'Orphaned':
      return `Worker${pid} orphaned`;
    case 'JobFailed':
      return `Background job ${event.job ?? ''} #${event.jobId ?? ''} failed: ${event.detail ?? ''}`;
    default:
      return event.detail ? `${event.kind}: ${event.detail}` : event.kind;
  }
}

/** When an entry was made: its `at` field, else its stream id's milliseconds. */
const eventTime = (event: LoggedEvent) => Number(event.at ?? event.id.split('-')[0]);

export function PoolEvents({ events }: { events: LoggedEvent[] }) {
  return (
    <section aria-labelledby="events-heading">
      <h2 id="events-heading">Recent events</h2>
      {events.length === 0 ? (
        <p>No event for this pool yet.</p>
      ) : (
        <ol class="events" data-testid="events">
          {events.slice(0, 50).map((event) => (
            <li key={event.id} data-kind={event.kind}>
              <time dateTime={new Date(eventTime(event)).toISOString()}>{time(eventTime(event))}</time>{' '}
              <span class={`badge ${event.kind === 'Recycle' ? 'busy' : 'stopped'}`}>{event.kind}</span>{' '}
              {describe(event)}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
