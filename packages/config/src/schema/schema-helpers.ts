import { Type, type TLiteral, type TUnion, type SchemaOptions } from '@sinclair/typebox';

/** A string enum with IIS's spelling of each value (`OnDemand`, `AlwaysRunning`). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions & { default: T[number] },
): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );
}

/**
 * An IIS timespan, `[d.]hh:mm:ss[.fffffff]` as in applicationHost.config (`00:01:30`, `1.05:00:00`).
 * Convert with timeSpanToMs() where the value is used.
 */
export const TimeSpan = (defaultValue: string, description: string) =>
  Type.String({
    pattern: '^(\\d+\\.)?\\d{1,2}:[0-5]\\d:[0-5]\\d(\\.\\d{1,7})?$',
    default: defaultValue,
    description: `${description} Format [d.]hh:mm:ss[.fff]. IIS default ${defaultValue}.`,
  });

/** A uint32 with IIS's default, for the many "4294967295 = unlimited" settings. */
export const UInt = (defaultValue: number, description: string, maximum = 4294967295, minimum = 0) =>
  Type.Integer({
    minimum,
    maximum,
    default: defaultValue,
    description: `${description} IIS default ${defaultValue}.`,
  });

export const Bool = (defaultValue: boolean, description: string) =>
  Type.Boolean({ default: defaultValue, description: `${description} IIS default ${defaultValue}.` });

export const Str = (defaultValue: string, description: string) =>
  Type.String({ default: defaultValue, description });

/** Closed objects: a misspelt key is an error that names it, never a silently ignored setting. */
export const Section = <T extends Parameters<typeof Type.Object>[0]>(properties: T, description: string) =>
  Type.Object(properties, { additionalProperties: false, default: {}, description });
