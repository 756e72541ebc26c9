// Test doubles of the SDK's request, response and contexts, for the unit tests of extensions and modules:
// `import { fakeRequest, RecordingResponse } from '@w3pool/extension-sdk/testing'`. Only tests import this
// entry point; nothing on a request's path does.
export * from './fake-request.js';
export * from './recording-response.js';
export * from './fake-context.js';
