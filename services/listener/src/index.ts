// The listener's public surface: its composition root.
export { buildListener, type ListenerOptions, type ListenerService } from './app.js';
