import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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
  volumes?: string[];
  environment?: Record<string, string>;
}

/** The sample configuration as the containers see it; its certificate files need not exist yet. */
const sampleConfig = () =>
  loadConfigFile(join(repoRoot, 'config/w3pool.yaml'), undefined, { readCertificates: false });

// docker-compose.yml and the native launcher must describe one system: the same services, the same commands.
describe('docker-compose.yml and the launcher', () => {
  it('run the same services with the same commands for the sample configuration', async () => {
    const compose = parse(await readFile(join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, ComposeService>;
    };
    const config = await sampleConfig();
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
    // The sample site's bindings (http 8080, https 8443) are the ports compose publishes.
    const config = await sampleConfig();
    const ports = config.sites[0]!.bindings.map((b) => b.bindingInformation.split(':')[1]);
    expect(ports).toEqual(['8080', '8443']);
    for (const port of ports) expect(compose.services.listener?.ports).toContain(`${port}:${port}`);
  });

  it("makes the https binding's certificate in WAS's container, in a volume the listener reads", async () => {
    const compose = parse(await readFile(join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, ComposeService>;
      volumes: Record<string, unknown>;
    };
    const was = compose.services.was!;
    const listener = compose.services.listener!;
    // The image's entrypoint makes it before WAS reads the configuration WAS is started with.
    expect(was.environment?.W3POOL_SELF_SIGNED_CONFIG).toBe(was.command?.at(-1));
    // Where the sample's certificateFile resolves inside the containers (the config is at /app/config).
    const config = await sampleConfig();
    const https = config.sites[0]!.bindings.find((b) => b.protocol === 'https')!;
    const folder = dirname(relative(join(repoRoot, 'config'), https.certificateFile!));
    expect(folder).toBe('.w3pool');
    const volume = (service: ComposeService) =>
      service.volumes?.find((v) => v.split(':')[1] === `/app/config/${folder}`);
    expect(volume(was)).toBe('w3pool-certs:/app/config/.w3pool');
    expect(volume(listener)).toBe('w3pool-certs:/app/config/.w3pool:ro');
    expect(compose.volumes).toHaveProperty('w3pool-certs');
    // The mount point must exist in the read-only ./config mount, or Docker cannot mount the volume there.
    expect(existsSync(join(repoRoot, 'config', folder))).toBe(true);
  });
});
