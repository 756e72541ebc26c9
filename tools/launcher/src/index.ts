export { describeTopology, workerServiceName, type ServiceSpec } from './topology.js';
