// The two forms of the chaos suite: short (CI, inside `npm test`) and full (by hand, W3POOL_CHAOS=full),
// with the durations.
export const fullForm = process.env.W3POOL_CHAOS === 'full';

/** The fault's duration: the in the full form, a short one in CI. */
export const faultMs = (full: number, short: number): number => (fullForm ? full : short);

/** A test's timeout: its fault's duration plus time to start and stop the system. */
export const testTimeout = (durationMs: number): number => durationMs + 90_000;
