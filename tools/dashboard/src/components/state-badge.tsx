/** A pool's or site's state as a badge: text first (never color alone), the reason when stopped. */
export function StateBadge({ state, reason }: { state: string; reason?: string | undefined }) {
  const kind = state === 'Started' || state === 'Running' ? 'ok' : state === 'Stopped' ? 'stopped' : 'busy';
  return (
    <span class={`badge ${kind}`} data-state={state}>
      {state}
      {reason ? ` (${reason})` : ''}
    </span>
  );
}
