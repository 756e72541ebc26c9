import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { freePort, httpRequest, type ServiceProcess } from '@w3pool/test/helpers';
import type { ProcessRole } from '../cpu-sampler.js';
import type { Cleanup } from '../processes.js';
import { phpFpmMaxChildren } from './php-fpm.js';
import {
  commandOutput,
  masterAndChildren,
  peerDir,
  RUNNING_AS_ROOT,
  spawnPeer,
  stopMaster,
  waitForPeer,
} from './peer-process.js';

export const NGINX_BINARY = '/usr/sbin/nginx';

export interface NginxOptions {
  /** The document root: static files, and the *.php pages when phpFpmSocket is set (default: an empty dir). */
  root?: string;
  /** php-fpm's unix socket: *.php under root go there through FastCGI. */
  phpFpmSocket?: string;
  /**
   * php-fpm's pm.max_children, which bounds the FastCGI connections nginx may keep (see fastcgiKeepalive).
   * Found by itself for a php-fpm started by startPhpFpm.
   */
  phpFpmMaxChildren?: number;
  /** Default: one per core, as `worker_processes auto`. */
  workerProcesses?: number;
}

export interface Nginx {
  baseUrl: string;
  port: number;
  /** `nginx/1.22.1`. */
  version: string;
  /** The master, whose exit means nginx is down. */
  service: ServiceProcess;
  processes(): ProcessRole[];
}

/** nginx in the foreground, everything it writes inside a fresh directory; stopped by `cleanup`. */
export async function startNginx(cleanup: Cleanup, options: NginxOptions = {}): Promise<Nginx> {
  const dir = await peerDir(cleanup, 'nginx');
  const root = options.root ?? join(dir, 'html');
  await mkdir(root, { recursive: true });
  const port = await freePort();
  const conf = nginxConf({
    dir,
    root,
    port,
    workers: options.workerProcesses ?? availableParallelism(),
    php: php(options),
  });
  await writeFile(join(dir, 'nginx.conf'), conf);
  // -e: the error log of the start itself, before the configuration is read (else /var/log/nginx/error.log).
  const args = [
    '-p',
    `${dir}/`,
    '-c',
    join(dir, 'nginx.conf'),
    '-e',
    join(dir, 'error.log'),
    '-g',
    'daemon off;',
  ];
  const master = spawnPeer('nginx', NGINX_BINARY, args, dir);
  cleanup.add(() => stopMaster(master, /nginx/));
  const baseUrl = `http://127.0.0.1:${port}`;
  const answers = () => httpRequest(`${baseUrl}/`, { timeoutMs: 2_000 }).then(() => true);
  await waitForPeer(master, answers, `nginx to answer on ${baseUrl}`, join(dir, 'error.log'));
  return {
    baseUrl,
    port,
    version: await nginxVersion(),
    service: master,
    processes: () => [{ role: 'nginx', pids: () => masterAndChildren(master) }],
  };
}

/** `nginx/1.22.1`, from `nginx -v` (which writes `nginx version: nginx/1.22.1` to stderr). */
export async function nginxVersion(): Promise<string> {
  const output = await commandOutput(NGINX_BINARY, ['-v']);
  return output.trim().replace(/^nginx version:\s*/, '');
}

interface PhpUpstream {
  socket: string;
  maxChildren: number;
}

function php(options: NginxOptions): PhpUpstream | undefined {
  const socket = options.phpFpmSocket;
  if (socket === undefined) return undefined;
  const maxChildren = options.phpFpmMaxChildren ?? phpFpmMaxChildren(socket);
  if (maxChildren === undefined)
    throw new Error(
      `nginx: phpFpmMaxChildren is needed for a php-fpm not started by startPhpFpm (${socket})`,
    );
  return { socket, maxChildren };
}

interface ConfValues {
  dir: string;
  root: string;
  port: number;
  workers: number;
  php: PhpUpstream | undefined;
}

/**
 * A production configuration, inline: nothing is read from /etc/nginx. Every path nginx writes (pid, logs,
 * the five temp paths it creates at start even unused) is inside `dir`.
 */
function nginxConf({ dir, root, port, workers, php }: ConfValues): string {
  return `${RUNNING_AS_ROOT ? 'user root;\n' : ''}worker_processes ${workers};
pid ${dir}/nginx.pid;
lock_file ${dir}/nginx.lock;
error_log ${dir}/error.log warn;
worker_rlimit_nofile 16384;

events {
  worker_connections 4096;
}

http {
  types {
    text/html html htm;
    text/plain txt;
    text/css css;
    application/javascript js;
    application/json json;
    image/png png;
    application/octet-stream bin;
  }
  default_type application/octet-stream;

  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65s;
  keepalive_requests 100000;

  # w3pool writes a W3C log line per request: nginx writes its own, buffered as production sites do, so
  # both sides pay for logging.
  access_log ${dir}/access.log combined buffer=64k;

  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${php ? phpUpstream(php, workers) : ''}
  server {
    listen 127.0.0.1:${port};
    server_name localhost;
    root ${root};
${php ? phpLocation(php, workers) : ''}  }
}
`;
}

/**
 * Idle FastCGI connections each nginx worker keeps open. A php-fpm child serves one connection until it is
 * closed, so an idle kept connection holds a child: if they could hold them all, a request on a new
 * connection would wait in the backlog until one timed out (60 s). So all workers together keep fewer than
 * pm.max_children; when not even one each fits, connections are not kept at all.
 */
function fastcgiKeepalive(maxChildren: number, workers: number): number {
  return Math.floor((maxChildren - 1) / workers);
}

/**
 * The upstream, with its kept connections closed after 2 s idle (not 60 s): php-fpm's graceful reload waits
 * for every child to exit, and a child on an idle kept connection exits only once that connection brings a
 * request or closes. Meanwhile new connections wait in the backlog. Under load kept connections are never
 * idle that long, so the keep-alive still saves a connect per request.
 */
function phpUpstream({ socket, maxChildren }: PhpUpstream, workers: number): string {
  const keepalive = fastcgiKeepalive(maxChildren, workers);
  const keep = keepalive > 0 ? `    keepalive ${keepalive};\n    keepalive_timeout 2s;\n` : '';
  return `
  upstream php_fpm {
    server unix:${socket};
${keep}  }
`;
}

/** `location ~ \.php$` with Debian's fastcgi_params written out, so nothing depends on /etc/nginx. */
function phpLocation({ maxChildren }: PhpUpstream, workers: number): string {
  const keepConn = fastcgiKeepalive(maxChildren, workers) > 0 ? 'on' : 'off';
  return `
    location ~ \\.php$ {
      try_files $uri =404;
      fastcgi_pass php_fpm;
      fastcgi_keep_conn ${keepConn};
      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
      fastcgi_param QUERY_STRING $query_string;
      fastcgi_param REQUEST_METHOD $request_method;
      fastcgi_param CONTENT_TYPE $content_type;
      fastcgi_param CONTENT_LENGTH $content_length;
      fastcgi_param SCRIPT_NAME $fastcgi_script_name;
      fastcgi_param REQUEST_URI $request_uri;
      fastcgi_param DOCUMENT_URI $document_uri;
      fastcgi_param DOCUMENT_ROOT $document_root;
      fastcgi_param SERVER_PROTOCOL $server_protocol;
      fastcgi_param REQUEST_SCHEME $scheme;
      fastcgi_param HTTPS $https if_not_empty;
      fastcgi_param GATEWAY_INTERFACE CGI/1.1;
      fastcgi_param SERVER_SOFTWARE nginx/$nginx_version;
      fastcgi_param REMOTE_ADDR $remote_addr;
      fastcgi_param REMOTE_PORT $remote_port;
      fastcgi_param SERVER_ADDR $server_addr;
      fastcgi_param SERVER_PORT $server_port;
      fastcgi_param SERVER_NAME $server_name;
      fastcgi_param REDIRECT_STATUS 200;
    }
`;
}
