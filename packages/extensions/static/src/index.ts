import { defineExtension } from '@w3pool/extension-sdk';
import { createStaticFileHandler } from './static-file-handler.js';

/** The StaticFileModule extension: IIS's `StaticFile` handler mapping points here. */
export default defineExtension({
  name: 'StaticFileModule',
  version: '0.1.0',
  load: (context) => createStaticFileHandler(context),
});

export { sendFile, type FileToSend } from './file-sender.js';
export { createMimeLookup } from './mime-lookup.js';
