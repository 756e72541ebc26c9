import { describe, expect, it } from 'vitest';
import { fieldOfPointer, mergePatch, poolFields, type JsonSchema } from './pool-fields.js';

const schema: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    queueLength: { type: 'integer', default: 1000, minimum: 10, description: 'Requests the queue holds.' },
    startMode: { anyOf: [{ const: 'OnDemand' }, { const: 'AlwaysRunning' }], default: 'OnDemand' },
    processModel: {
      type: 'object',
      properties: {
        idleTimeout: { type: 'string', default: '00:20:00' },
        pingingEnabled: { type: 'boolean', default: true },
      },
    },
    recycling: {
      type: 'object',
      properties: { periodicRestart: { type: 'object', properties: { schedule: { type: 'array' } } } },
    },
  },
};

describe('the pool editor fields', () => {
  it('lists every scalar setting with its IIS default, sections flattened, the name and lists left out', () => {
    const fields = poolFields(schema);
    expect(fields.map((f) => [f.path, f.kind, f.iisDefault])).toEqual([
      ['queueLength', 'integer', 1000],
      ['startMode', 'choice', 'OnDemand'],
      ['processModel.idleTimeout', 'text', '00:20:00'],
      ['processModel.pingingEnabled', 'boolean', true],
    ]);
    expect(fields[1]!.choices).toEqual(['OnDemand', 'AlwaysRunning']);
  });

  it('sends only what changed as a merge patch: numbers as numbers, an emptied field as null', () => {
    const fields = poolFields(schema);
    const before = { queueLength: '1000', 'processModel.idleTimeout': '00:10:00' };
    const after = {
      queueLength: '500',
      'processModel.idleTimeout': '',
      'processModel.pingingEnabled': 'false',
    };
    expect(mergePatch(fields, before, after)).toEqual({
      queueLength: 500,
      processModel: { idleTimeout: null, pingingEnabled: false },
    });
    // Not a number: sent as typed, so the API's validation names it.
    expect(mergePatch(fields, before, { ...before, queueLength: 'lots' })).toEqual({ queueLength: 'lots' });
  });

  it("maps an issue's JSON pointer to the field of the pool being edited", () => {
    expect(fieldOfPointer('/applicationPools/1/queueLength', 1)).toBe('queueLength');
    expect(fieldOfPointer('/applicationPools/1/processModel/idleTimeout', 1)).toBe(
      'processModel.idleTimeout',
    );
    expect(fieldOfPointer('/applicationPools/0/queueLength', 1)).toBeUndefined();
  });
});
