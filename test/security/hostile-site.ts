import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATIC_FILE_MAPPING } from '@w3pool/config';
import { repoRoot } from '../helpers/service-process.js';

/** Debian's php-cgi (apt-get install php-cgi), as the CGI and FastCGI suites use it. */
export const PHP_CGI = ['/usr/bin/php-cgi', '/usr/local/bin/php-cgi'].find((p) => existsSync(p)) ?? 'php-cgi';

export interface HostileSite {
  /** The directory holding the site root and, beside it (outside the root), the secret files. */
  base: string;
  root: string;
  /** In every secret file outside the root: no response may ever contain it. */
  secret: string;
  /** In a file inside the root: proves the byte comparison finds a file it reads. */
  inside: string;
  /** Created by unlisted.cgi if it ever runs. */
  ranMarker: string;
  remove(): Promise<void>;
}

/**
 * A site root with a static page, a CGI program, PHP for CGI and FastCGI, and a program the restriction
 * list does not allow; beside the root, secret.txt and secret.php, each holding a unique marker.
 */
export async function makeHostileSite(): Promise<HostileSite> {
  const base = await mkdtemp(join(tmpdir(), 'w3pool-security-'));
  const root = join(base, 'site');
  const secret = `SECRET-${randomBytes(12).toString('hex')}`;
  const inside = `INSIDE-${randomBytes(12).toString('hex')}`;
  const ranMarker = join(base, 'unlisted-ran');
  await mkdir(join(root, 'sub'), { recursive: true });
  await writeFile(join(base, 'secret.txt'), `${secret}\n`);
  // Served as text or run by PHP, either way its bytes hold the marker.
  await writeFile(join(base, 'secret.php'), `<?php echo "${secret}\\n"; // ${secret}\n`);
  await writeFile(join(root, 'index.html'), '<p>index</p>\n');
  await writeFile(join(root, 'sub', 'inside.txt'), `${inside}\n`);
  await writeFile(join(root, 'page.cat'), `${secret}-if-cat-ran\n`);
  await copyFile(join(repoRoot, 'test/fixtures/cgi/hello.cgi'), join(root, 'hello.cgi'));
  await copyFile(join(repoRoot, 'test/fixtures/cgi/info.php'), join(root, 'info.php'));
  await writeFile(
    join(root, 'unlisted.cgi'),
    `#!/bin/sh\ntouch '${ranMarker}'\nprintf 'Content-Type: text/plain\\r\\n\\r\\nunlisted ran\\n'\n`,
  );
  await chmod(join(root, 'hello.cgi'), 0o755);
  await chmod(join(root, 'unlisted.cgi'), 0o755);
  return { base, root, secret, inside, ranMarker, remove: () => rm(base, { recursive: true, force: true }) };
}

/**
 * One site over the hostile root: *.php through CgiModule at /, through FastCgiModule at /fcgi (the same
 * files), *.cgi programs, and a /bin/cat mapping for each module that nothing allows. Only hello.cgi and
 * php-cgi are on the restriction list; not-listed programs are refused (IIS's default).
 */
export function hostileSiteConfig(port: number, site: HostileSite) {
  const fastCgiPhp = {
    name: 'PHP-FastCGI',
    path: '*.php',
    verb: 'GET,HEAD,POST',
    modules: 'FastCgiModule',
    scriptProcessor: PHP_CGI,
    resourceType: 'File',
  };
  return {
    applicationPools: [{ name: 'DefaultAppPool' }],
    sites: [
      {
        name: 'Hostile',
        id: 1,
        bindings: [{ protocol: 'http', bindingInformation: `127.0.0.1:${port}:` }],
        applications: [
          {
            path: '/',
            applicationPool: 'DefaultAppPool',
            virtualDirectories: [{ path: '/', physicalPath: site.root }],
          },
          {
            path: '/fcgi',
            applicationPool: 'DefaultAppPool',
            virtualDirectories: [{ path: '/', physicalPath: site.root }],
            webServer: {
              handlers: {
                list: [
                  fastCgiPhp,
                  // Not a webServer.fastCgi application: must never start.
                  { ...fastCgiPhp, name: 'Cat-FastCGI', path: '*.cat', scriptProcessor: '/bin/cat' },
                ],
              },
            },
          },
        ],
      },
    ],
    webServer: {
      security: {
        isapiCgiRestriction: {
          notListedCgisAllowed: false,
          list: [
            { path: PHP_CGI, allowed: true },
            { path: `${site.root}/hello.cgi`, allowed: true },
          ],
        },
      },
      handlers: {
        accessPolicy: 'Read, Script, Execute',
        list: [
          {
            name: 'PHP-CGI',
            path: '*.php',
            verb: 'GET,HEAD,POST',
            modules: 'CgiModule',
            scriptProcessor: PHP_CGI,
            resourceType: 'File',
            requireAccess: 'Script',
          },
          {
            name: 'CGI-exe',
            path: '*.cgi',
            verb: '*',
            modules: 'CgiModule',
            resourceType: 'File',
            requireAccess: 'Execute',
            allowPathInfo: true,
          },
          {
            name: 'Cat-CGI',
            path: '*.cat',
            verb: '*',
            modules: 'CgiModule',
            scriptProcessor: '/bin/cat',
            resourceType: 'File',
            requireAccess: 'Script',
          },
          STATIC_FILE_MAPPING,
        ],
      },
      fastCgi: { applications: [{ fullPath: PHP_CGI, arguments: '', maxInstances: 2 }] },
    },
  };
}
