import { defineExtension } from '@w3pool/extension-sdk';
import { createCgiHandler } from './cgi-handler.js';
import type { CgiProcess } from './cgi-process.js';

/** Every CGI process this extension started in this thread (application domain) and that still runs. */
const running = new Set<CgiProcess>();

/** How long terminate() waits for killed processes to be reaped. SIGKILL is not refused; this is a bound. */
const TERMINATE_WAIT_MS = 5000;

let exitHook = false;

/**
 * The CgiModule extension: a handler mapping with `modules: CgiModule` runs one process per request, the
 * mapping's scriptProcessor (or, when it is empty, the mapped file itself) with the RFC 3875 environment.
 */
export default defineExtension({
  name: 'CgiModule',
  version: '1.0.0',
  load: (context) => {
    if (!exitHook) {
      exitHook = true;
      // A thread or process that ends without terminate() (an uncaught error) still takes its CGI
      // processes with it; process.kill is synchronous, as an exit listener must be.
      process.once('exit', () => {
        for (const child of running) child.kill('terminated');
      });
    }
    return createCgiHandler(context, running);
  },
  async terminate() {
    const children = [...running];
    for (const child of children) child.kill('terminated');
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, TERMINATE_WAIT_MS);
    });
    await Promise.race([Promise.all(children.map((child) => child.exited)), bound]);
    clearTimeout(timer);
  },
});
