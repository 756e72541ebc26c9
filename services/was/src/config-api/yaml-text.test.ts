import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderYaml } from './yaml-text.js';

const file = `# top comment
applicationPools:
  - name: DefaultAppPool # the default
    queueLength: 1000
# sites comment
sites:
  - id: 1
    name: Test
`;

describe('YAML write-back', () => {
  it('changes only what changed, keeping comments on the untouched parts', () => {
    const next = parse(file) as { applicationPools: { queueLength: number }[]; webLimits?: unknown };
    next.applicationPools[0]!.queueLength = 5;
    next.webLimits = { connectionTimeout: '00:01:00' };
    const text = renderYaml(file, next);
    expect(parse(text)).toEqual(next);
    expect(text).toContain('# top comment');
    expect(text).toContain('# sites comment');
    expect(text).toContain('- name: DefaultAppPool # the default');
    expect(text).toContain('queueLength: 5');
  });

  it('writes a fresh document when the old text does not parse', () => {
    expect(parse(renderYaml('a: [', { a: 1 }))).toEqual({ a: 1 });
  });
});
