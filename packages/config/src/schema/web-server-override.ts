import { Kind, Type, type TSchema } from '@sinclair/typebox';
import { WebServerSchema, type WebServer } from './web-server.js';

// A site's or application's own system.webServer settings, IIS's <location path="Site/app"> sections: any
// setting of the server's webServer tree, every one optional and without a default, so that a setting
// left out is inherited from the parent rather than reset to IIS's default.

function overrideOf(schema: TSchema): TSchema {
  const options: TSchema = { ...schema };
  delete options.default;
  if (schema[Kind] === 'Object' && schema.properties) {
    const properties: Record<string, TSchema> = {};
    for (const [name, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
      properties[name] = Type.Optional(overrideOf(property));
    }
    const description = typeof schema.description === 'string' ? { description: schema.description } : {};
    return Type.Object(properties, { additionalProperties: false, ...description });
  }
  // Leaves and lists keep their own rules (a list's items keep their defaults); only the default goes.
  return options;
}

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * A site's or application's webServer settings. Sections merge setting by setting with the parent's;
 * handlers.list and modules are prepended to the parent's (IIS's child collections come first, so a
 * site's own mapping wins over the server's `*`); any other list replaces the parent's.
 */
export type WebServerOverride = DeepPartial<WebServer>;

// The schema is built at run time; its static type is declared, since TypeBox cannot infer it.
export const WebServerOverrideSchema = overrideOf(WebServerSchema) as TSchema & {
  static: WebServerOverride;
};
