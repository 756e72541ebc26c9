import type { HandlerRequest } from '@w3pool/extension-sdk';

/** The response text, from IIS server variables the worker fills for every request. */
export function greeting(name: string, request: HandlerRequest): string {
  const v = (variable: string) => request.serverVariable(variable) ?? '';
  return (
    `Hello, ${name}!\n` +
    `SCRIPT_NAME=${v('SCRIPT_NAME')}\n` +
    `APP_POOL_ID=${v('APP_POOL_ID')}\n` +
    `APPL_MD_PATH=${v('APPL_MD_PATH')}\n` +
    `SERVER_SOFTWARE=${v('SERVER_SOFTWARE')}\n` +
    `worker pid=${process.pid}\n`
  );
}
