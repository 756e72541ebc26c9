import { Type, type Static } from '@sinclair/typebox';
import { Str } from './schema-helpers.js';

// system.webServer/globalModules and modules: the integrated pipeline's modules. A global module is
// installed for the server (its `image` is an ES module here, a DLL in IIS); the modules list enables
// modules, in order, for the server, a site or an application.

export const GlobalModuleSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Unique module name.' }),
    image: Type.String({
      minLength: 1,
      description:
        'ES module whose default export is a w3pool module (defineModule in @w3pool/extension-sdk); relative to the config file.',
    }),
  },
  { additionalProperties: false },
);

export const ModuleSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      description:
        'A built-in module (BasicAuthenticationModule, ...), a global module, or a name for `type`.',
    }),
    type: Type.Optional(
      Type.String({
        description:
          'An application module of your own: ES module whose default export is a w3pool module; relative to the config file.',
      }),
    ),
    preCondition: Str('', 'Load conditions (integratedMode, bitness64, ...).'),
  },
  { additionalProperties: false },
);

export type GlobalModule = Static<typeof GlobalModuleSchema>;
export type ModuleEntry = Static<typeof ModuleSchema>;
