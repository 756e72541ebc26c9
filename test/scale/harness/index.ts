// The simulated machines of the scale-out suites, for the benchmark harness too (@w3pool/test/scale).
export { ScaleSystem, LISTENER_PORT, POOL, type ScaleOptions } from './scale-system.js';
export { SimulatedHosts, type Machine } from './simulated-hosts.js';
export type { LoadResult, LoadSpec } from './load-client.js';
