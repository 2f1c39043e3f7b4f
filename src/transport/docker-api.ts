import type { Agent } from 'node:http';
import type { ExecResult } from './host.js';
import type {
  ContainerCreateRequest,
  ContainerInfo,
  ContainerLogs,
  ContainerState,
  ContainerSummary,
  Docker,
  DockerInfo,
  DockerVersion,
  RegistryAuth,
} from './docker.js';
import { DockerError } from './errors.js';
import { demuxDockerStream, DockerStreamDemuxer } from './docker-demux.js';
import { toCreateBody } from './docker-create-body.js';
import { DockerHttp, registryAuthHeader, splitImageRef } from './docker-http.js';

/** What a failed call carries: an HTTP status and Docker's message when the daemon answered. */
type DaemonError = Error & { statusCode?: number; json?: { message?: string } };

/** Reads are repeated across a restarting daemon; writes are left to the executor's retries. */
const READ_ATTEMPTS = 4;

interface InspectBody {
  Id: string;
  Name: string;
  Image: string;
  RestartCount: number;
  Config: { Image: string; Labels?: Record<string, string> | null };
  State: { Status: string; Running: boolean; ExitCode: number; StartedAt: string; FinishedAt: string };
}

/**
 * Docker over an http.Agent whose sockets are SSH channels (stream-local forward or
 * dial-stdio). Everything above sees only the Docker interface.
 */
export class DockerApi implements Docker {
  private readonly http: DockerHttp;

  constructor(readonly address: string, agent: Agent) {
    this.http = new DockerHttp(agent);
  }

  async ping(): Promise<void> {
    await this.call('ping', () => this.http.call({ method: 'GET', path: '/_ping' }), { read: true });
  }

  async version(): Promise<DockerVersion> {
    const v = await this.call('version', () => this.http.json<Record<string, string>>({ method: 'GET', path: '/version' }), { read: true });
    return { version: String(v['Version'] ?? ''), apiVersion: String(v['ApiVersion'] ?? ''), os: String(v['Os'] ?? ''), arch: String(v['Arch'] ?? '') };
  }

  async info(): Promise<DockerInfo> {
    const i = await this.call('info', () => this.http.json<Record<string, unknown>>({ method: 'GET', path: '/info' }), { read: true });
    return {
      name: String(i['Name'] ?? ''),
      serverVersion: String(i['ServerVersion'] ?? ''),
      dockerRootDir: String(i['DockerRootDir'] ?? '/var/lib/docker'),
      cgroupDriver: String(i['CgroupDriver'] ?? ''),
      storageDriver: String(i['Driver'] ?? ''),
      containersRunning: Number(i['ContainersRunning'] ?? 0),
    };
  }

  async imageExists(ref: string): Promise<boolean> {
    return this.call(`inspect image ${ref}`, () => whenFound(this.http.call({ method: 'GET', path: `/images/${encodeURIComponent(ref)}/json` })), { read: true }).then(
      (found) => found !== undefined,
    );
  }

  async pullImage(ref: string, auth?: RegistryAuth): Promise<void> {
    await this.call(`pull ${ref}`, async () => {
      const stream = await this.http.stream({
        method: 'POST',
        path: '/images/create',
        query: splitImageRef(ref),
        ...(auth ? { headers: { 'x-registry-auth': registryAuthHeader(auth) } } : {}),
      });
      await drainJsonProgress(stream);
    });
  }

  async loadImage(tar: NodeJS.ReadableStream): Promise<void> {
    await this.call('load image', async () => {
      const stream = await this.http.stream({ method: 'POST', path: '/images/load', query: { quiet: true }, body: tar });
      await drainJsonProgress(stream);
    });
  }

  async listContainers(opts: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    type Row = { Id: string; Names?: string[]; Image: string; State: string; Labels?: Record<string, string> | null };
    const list = await this.call('list containers', () => this.http.json<Row[]>({ method: 'GET', path: '/containers/json', query: { all: opts.all ?? false } }), { read: true });
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names?.[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      state: c.State as ContainerState,
      labels: c.Labels ?? {},
    }));
  }

  async inspectContainer(nameOrId: string): Promise<ContainerInfo | undefined> {
    const c = await this.call(`inspect ${nameOrId}`, () => whenFound(this.http.json<InspectBody>({ method: 'GET', path: `/containers/${encodeURIComponent(nameOrId)}/json` })), {
      read: true,
    });
    if (!c) return undefined;
    return {
      id: c.Id,
      name: c.Name.replace(/^\//, ''),
      image: c.Config.Image,
      imageId: c.Image,
      state: c.State.Status as ContainerState,
      running: c.State.Running,
      exitCode: c.State.ExitCode,
      restartCount: c.RestartCount,
      startedAt: c.State.StartedAt,
      finishedAt: c.State.FinishedAt,
      labels: c.Config.Labels ?? {},
    };
  }

  async createContainer(req: ContainerCreateRequest): Promise<string> {
    const { name, ...body } = toCreateBody(req);
    const c = await this.call(`create ${req.name}`, () => this.http.json<{ Id: string }>({ method: 'POST', path: '/containers/create', query: { name }, body }));
    return c.Id;
  }

  async startContainer(nameOrId: string): Promise<void> {
    // 304: already running.
    await this.call(`start ${nameOrId}`, () => ignoreStatus(this.http.call({ method: 'POST', path: `/containers/${encodeURIComponent(nameOrId)}/start` }), 304));
  }

  async stopContainer(nameOrId: string, opts: { timeoutSeconds?: number } = {}): Promise<void> {
    await this.call(`stop ${nameOrId}`, () =>
      ignoreStatus(this.http.call({ method: 'POST', path: `/containers/${encodeURIComponent(nameOrId)}/stop`, query: { t: opts.timeoutSeconds ?? 10 } }), 304),
    );
  }

  async removeContainer(nameOrId: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await this.call(`remove ${nameOrId}`, () =>
      ignoreStatus(this.http.call({ method: 'DELETE', path: `/containers/${encodeURIComponent(nameOrId)}`, query: { force: opts.force ?? false, v: opts.volumes ?? false } }), 404),
    );
  }

  async containerLogs(nameOrId: string, opts: { tail?: number } = {}): Promise<ContainerLogs> {
    const { body: raw } = await this.call(
      `logs ${nameOrId}`,
      () => this.http.call({ method: 'GET', path: `/containers/${encodeURIComponent(nameOrId)}/logs`, query: { stdout: true, stderr: true, follow: false, tail: opts.tail } }),
      { read: true },
    );
    // A container with a TTY logs raw bytes; without one, stdout and stderr come framed.
    const framed = raw.length >= 8 && (raw[0] === 1 || raw[0] === 2) && raw[1] === 0 && raw[2] === 0 && raw[3] === 0;
    const parts = framed ? demuxDockerStream(raw) : { stdout: raw, stderr: Buffer.alloc(0) };
    return { stdout: parts.stdout.toString('utf8'), stderr: parts.stderr.toString('utf8') };
  }

  async waitContainer(nameOrId: string): Promise<number> {
    const r = await this.call(`wait ${nameOrId}`, () => this.http.json<{ StatusCode: number }>({ method: 'POST', path: `/containers/${encodeURIComponent(nameOrId)}/wait` }));
    return r.StatusCode;
  }

  async exec(nameOrId: string, cmd: string[], opts: { stdin?: string | Buffer; user?: string; env?: string[] } = {}): Promise<ExecResult> {
    return this.call(`exec in ${nameOrId}`, async () => {
      const withStdin = opts.stdin !== undefined;
      const created = await this.http.json<{ Id: string }>({
        method: 'POST',
        path: `/containers/${encodeURIComponent(nameOrId)}/exec`,
        body: {
          Cmd: cmd,
          AttachStdout: true,
          AttachStderr: true,
          AttachStdin: withStdin,
          ...(opts.user ? { User: opts.user } : {}),
          ...(opts.env ? { Env: opts.env } : {}),
        },
      });
      const stream = await this.http.hijack({ method: 'POST', path: `/exec/${created.Id}/start`, body: { Detach: false, Tty: false } });
      const demux = new DockerStreamDemuxer();
      const done = new Promise<void>((resolve, reject) => {
        stream.on('data', (d: Buffer) => demux.push(d));
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
      if (withStdin) stream.end(opts.stdin);
      await done;
      stream.destroy();
      const code = await this.execExitCode(created.Id);
      return { code, stdout: Buffer.concat(demux.stdout).toString('utf8'), stderr: Buffer.concat(demux.stderr).toString('utf8') };
    });
  }

  /** The output ends a moment before the daemon records the exit code: ask until it has one. */
  private async execExitCode(id: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const info = await this.http.json<{ Running: boolean; ExitCode: number | null }>({ method: 'GET', path: `/exec/${id}/json` });
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      if (attempt >= 20) throw Object.assign(new Error(`exec ${id} has no exit code yet`), { statusCode: 500 });
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>, opts: { read?: boolean } = {}): Promise<T> {
    const attempts = opts.read ? READ_ATTEMPTS : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const e = toDockerError(this.address, what, err);
        if (!e.transient || attempt >= attempts) throw e;
        await new Promise((r) => setTimeout(r, 250 * 2 ** (attempt - 1)));
      }
    }
  }
}

async function ignoreStatus<T>(p: Promise<T>, status: number): Promise<void> {
  try {
    await p;
  } catch (err) {
    if ((err as DaemonError).statusCode !== status) throw err;
  }
}

/** undefined for 404 (no such image or container). */
async function whenFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if ((err as DaemonError).statusCode === 404) return undefined;
    throw err;
  }
}

const PERMANENT_DAEMON_ERROR = /unauthorized|authentication required|no basic auth credentials|access.*denied|manifest unknown|not found|no such image/i;

export function toDockerError(host: string, what: string, err: unknown): DockerError {
  if (err instanceof DockerError) return err;
  const e = err as DaemonError;
  const status = e.statusCode;
  const detail = e.json?.message ?? e.message;
  // No status means the stream broke (daemon restarting, channel closed): worth another try.
  // dockerd answers 500 for registry refusals too; those do not heal by retrying.
  const transient = status === undefined ? true : status >= 500 && !PERMANENT_DAEMON_ERROR.test(detail);
  return new DockerError(host, `docker ${what}: ${detail}`, { ...(status === undefined ? {} : { statusCode: status }), transient, cause: err });
}

/** Pull and load answer with JSON progress lines; an `error` line is a failure even with HTTP 200. */
async function drainJsonProgress(stream: NodeJS.ReadableStream): Promise<void> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let obj: { error?: string; errorDetail?: { message?: string } };
    try {
      obj = JSON.parse(line) as typeof obj;
    } catch {
      continue;
    }
    if (obj.error || obj.errorDetail) throw Object.assign(new Error(obj.errorDetail?.message ?? obj.error ?? 'failed'), { statusCode: 400 });
  }
}

