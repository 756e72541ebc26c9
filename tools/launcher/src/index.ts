export { describeTopology, workerServiceName, type ServiceSpec } from './topology.js';
export { EVERYTHING, PlacementError, readPlacement, ROLES, type Placement, type Role } from './placement.js';
