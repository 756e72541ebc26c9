export { freePort } from '@w3pool/runtime';
