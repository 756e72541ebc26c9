// The listener's public surface: its composition root, and the queue admission the benchmark measures.
export { buildListener, type ListenerOptions, type ListenerService } from './app.js';
export { QueueAdmission } from './queue-admission.js';
