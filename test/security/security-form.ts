/**
 * The security suite's two forms: the short one runs inside `npm test` (vitest run); W3POOL_SECURITY=full
 * (`W3POOL_SECURITY=full pnpm test:security`) is the full form, run by hand, with the counts.
 */
export const FULL_FORM = process.env.W3POOL_SECURITY === 'full';

export function scaled(short: number, full: number): number {
  return FULL_FORM ? full : short;
}
