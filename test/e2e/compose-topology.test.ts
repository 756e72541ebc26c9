import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigFile } from '@w3pool/config';
import { describeTopology } from '@w3pool/launcher';
import { repoRoot } from '../helpers/service-process.js';

interface ComposeService {
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
}

// docker-compose.yml and the native launcher must describe one system: the same services, the same commands.
describe('docker-compose.yml and the launcher', () => {
  it('run the same services with the same commands for the sample configuration', async () => {
    const compose = parse(await readFile(join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, ComposeService>;
    };
    const config = await loadConfigFile(join(repoRoot, 'config/w3pool.yaml'));
    const topology = describeTopology(config, '/app/config/w3pool.yaml');

    expect(Object.keys(compose.services).sort()).toEqual(['redis', ...topology.map((s) => s.name)].sort());
    for (const service of topology) {
      expect(compose.services[service.name]?.command, service.name).toEqual(['node', ...service.args]);
    }
  });

  it('gives every service a healthcheck and starts nothing before what it needs is healthy', async () => {
    const compose = parse(await readFile(join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, ComposeService>;
    };
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.healthcheck?.test.length, `${name} healthcheck`).toBeGreaterThan(1);
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(condition, `${name} → ${dependency}`).toBe('service_healthy');
      }
    }
    expect(compose.services.was?.depends_on).toHaveProperty('redis');
    expect(compose.services.listener?.depends_on).toHaveProperty('was');
    // The sample site's binding is the port compose publishes.
    const config = await loadConfigFile(join(repoRoot, 'config/w3pool.yaml'));
    const port = config.sites[0]!.bindings[0]!.bindingInformation.split(':')[1];
    expect(compose.services.listener?.ports).toContain(`${port}:${port}`);
  });
});
