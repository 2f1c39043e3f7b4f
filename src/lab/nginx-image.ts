import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { DroverError } from '../errors.js';
import { busyboxLayer, imageCacheDir, type Env, type LabImage } from './busybox-image.js';
import { fileTreeLayer, type Progress } from './file-tree-layer.js';
import { memoByFileStats } from './input-memo.js';
import { buildImage, DEFAULT_PATH_ENV } from './oci-image.js';

/**
 * The lab's `drover-lab/nginx:<major.minor>`: Debian's nginx with its stream module, on the
 * busybox base, for the worker nodes' apiserver load balancer. Contract: as root,
 * `nginx -c /etc/nginx/nginx.conf -g 'daemon off;'` works with a config that starts with
 * `include /etc/nginx/modules-enabled/*.conf;` (the image enables the stream module there) and has a
 * `stream {}` block; /var/lib/nginx, /var/log/nginx (logs linked to stdout/stderr) and /run exist.
 */

export const NGINX_BINARY = '/usr/sbin/nginx';
export const NGINX_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';
const HINT = 'install Debian nginx and libnginx-mod-stream (scripts/lab-setup.sh)';

/** `nginx version: nginx/1.22.1` → `1.22.1`. */
export function nginxVersion(text: string): string {
  const m = /nginx version: nginx\/(\d+\.\d+\.\d+)/.exec(text);
  if (!m) throw new DroverError('cannot read the nginx version from `nginx -v`', { hint: HINT });
  return m[1]!;
}

/** `1.22.1` → `1.22`: the tag drover's lab cluster.yml names. */
export const nginxTag = (version: string) => version.split('.').slice(0, 2).join('.');

/** Runs as-is (`docker run IMAGE`); drover always passes its own config. */
export const DEFAULT_NGINX_CONF = `include /etc/nginx/modules-enabled/*.conf;
worker_processes 1;
events { worker_connections 1024; }
stream {
}
`;

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\nwww-data:x:33:\nnogroup:x:65534:\nnobody:x:65534:\n';

export async function nginxImage(env: Env, progress?: Progress): Promise<LabImage> {
  await mkdir(imageCacheDir(env), { recursive: true });
  const version = await memoByFileStats<string>(join(imageCacheDir(env), 'recipe-nginx-version.json'), async () => {
    const r = await execa(NGINX_BINARY, ['-v'], { reject: false });
    if (r.failed && r.exitCode === undefined) throw new DroverError(`${NGINX_BINARY} does not run`, { hint: HINT });
    return { value: nginxVersion(`${r.stderr}\n${r.stdout}`), inputs: [NGINX_BINARY] };
  });
  const base = await busyboxLayer(env);
  const layer = await fileTreeLayer(env, {
    name: 'nginx',
    files: [
      { from: NGINX_BINARY, to: NGINX_BINARY },
      { from: NGINX_STREAM_MODULE, to: NGINX_STREAM_MODULE, mode: 0o644 },
      { from: '/etc/nginx/mime.types', to: '/etc/nginx/mime.types', mode: 0o644 },
    ],
    librariesOf: [NGINX_BINARY, NGINX_STREAM_MODULE],
    dirs: ['/var/lib/nginx', '/var/log/nginx', '/run', '/var/lock', '/etc/nginx/conf.d'].map((path) => ({ path })),
    symlinks: [
      // Debian's prefix is /usr/share/nginx: `load_module modules/…` resolves through this link.
      { path: '/usr/share/nginx/modules', target: '/usr/lib/nginx/modules' },
      { path: '/var/log/nginx/access.log', target: '/dev/stdout' },
      { path: '/var/log/nginx/error.log', target: '/dev/stderr' },
    ],
    texts: [
      { path: '/etc/nginx/modules-enabled/50-mod-stream.conf', content: `load_module ${NGINX_STREAM_MODULE};\n` },
      { path: '/etc/nginx/nginx.conf', content: DEFAULT_NGINX_CONF },
      // nginx looks up its worker user (www-data, else nobody/nogroup) in these.
      { path: '/etc/passwd', content: PASSWD },
      { path: '/etc/group', content: GROUP },
      { path: '/etc/nsswitch.conf', content: 'passwd: files\ngroup: files\nhosts: files dns\n' },
    ],
    missingHint: HINT,
  }, progress);
  const image = buildImage([base.layer, layer], { cmd: ['nginx', '-g', 'daemon off;'], env: [DEFAULT_PATH_ENV] });
  return { repository: 'drover-lab/nginx', tag: nginxTag(version), image, layers: [base.layer, layer] };
}
