import Dockerode from 'dockerode';
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

type DockerodeError = Error & { statusCode?: number; json?: { message?: string } };

/** Reads are repeated across a restarting daemon; writes are left to the executor's retries. */
const READ_ATTEMPTS = 4;

/**
 * Docker over an http.Agent whose sockets are SSH channels (stream-local forward or
 * dial-stdio). Everything above sees only the Docker interface.
 */
export class DockerApi implements Docker {
  private readonly api: Dockerode;

  constructor(readonly address: string, agent: Agent) {
    // The host name is never resolved: the agent hands http an already-open channel.
    this.api = new Dockerode({ protocol: 'http', host: 'docker.invalid', port: 80, agent } as Dockerode.DockerOptions);
  }

  async ping(): Promise<void> {
    await this.call('ping', () => this.api.ping(), { read: true });
  }

  async version(): Promise<DockerVersion> {
    const v = await this.call('version', () => this.api.version(), { read: true });
    return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch };
  }

  async info(): Promise<DockerInfo> {
    const i = (await this.call('info', () => this.api.info(), { read: true })) as Record<string, unknown>;
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
    return this.call(`inspect image ${ref}`, async () => {
      try {
        await this.api.getImage(ref).inspect();
        return true;
      } catch (err) {
        if ((err as DockerodeError).statusCode === 404) return false;
        throw err;
      }
    }, { read: true });
  }

  async pullImage(ref: string, auth?: RegistryAuth): Promise<void> {
    await this.call(`pull ${ref}`, async () => {
      const stream = (await this.api.pull(ref, auth ? { authconfig: auth } : {})) as NodeJS.ReadableStream;
      await drainJsonProgress(stream);
    });
  }

  async loadImage(tar: NodeJS.ReadableStream): Promise<void> {
    await this.call('load image', async () => {
      const stream = (await this.api.loadImage(tar)) as NodeJS.ReadableStream;
      await drainJsonProgress(stream);
    });
  }

  async listContainers(opts: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    const list = await this.call('list containers', () => this.api.listContainers({ all: opts.all ?? false }), { read: true });
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      state: c.State as ContainerState,
      labels: c.Labels ?? {},
    }));
  }

  async inspectContainer(nameOrId: string): Promise<ContainerInfo | undefined> {
    return this.call(`inspect ${nameOrId}`, async () => {
      try {
        const c = await this.api.getContainer(nameOrId).inspect();
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
      } catch (err) {
        if ((err as DockerodeError).statusCode === 404) return undefined;
        throw err;
      }
    }, { read: true });
  }

  async createContainer(req: ContainerCreateRequest): Promise<string> {
    const c = await this.call(`create ${req.name}`, () => this.api.createContainer(toCreateBody(req)));
    return c.id;
  }

  async startContainer(nameOrId: string): Promise<void> {
    await this.call(`start ${nameOrId}`, () => ignoreStatus(this.api.getContainer(nameOrId).start(), 304));
  }

  async stopContainer(nameOrId: string, opts: { timeoutSeconds?: number } = {}): Promise<void> {
    await this.call(`stop ${nameOrId}`, () => ignoreStatus(this.api.getContainer(nameOrId).stop({ t: opts.timeoutSeconds ?? 10 }), 304));
  }

  async removeContainer(nameOrId: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await this.call(`remove ${nameOrId}`, () =>
      ignoreStatus(this.api.getContainer(nameOrId).remove({ force: opts.force ?? false, v: opts.volumes ?? false }), 404),
    );
  }

  async containerLogs(nameOrId: string, opts: { tail?: number } = {}): Promise<ContainerLogs> {
    const buf = await this.call(`logs ${nameOrId}`, () =>
      this.api.getContainer(nameOrId).logs({ stdout: true, stderr: true, follow: false, ...(opts.tail ? { tail: opts.tail } : {}) }),
    { read: true });
    const raw = Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf));
    const framed = raw.length >= 8 && (raw[0] === 1 || raw[0] === 2) && raw[1] === 0 && raw[2] === 0 && raw[3] === 0;
    const parts = framed ? demuxDockerStream(raw) : { stdout: raw, stderr: Buffer.alloc(0) };
    return { stdout: parts.stdout.toString('utf8'), stderr: parts.stderr.toString('utf8') };
  }

  async waitContainer(nameOrId: string): Promise<number> {
    const r = (await this.call(`wait ${nameOrId}`, () => this.api.getContainer(nameOrId).wait())) as { StatusCode: number };
    return r.StatusCode;
  }

  async exec(nameOrId: string, cmd: string[], opts: { stdin?: string | Buffer; user?: string; env?: string[] } = {}): Promise<ExecResult> {
    return this.call(`exec in ${nameOrId}`, async () => {
      const withStdin = opts.stdin !== undefined;
      const ex = await this.api.getContainer(nameOrId).exec({
        Cmd: cmd,
        AttachStdout: true,
        AttachStderr: true,
        AttachStdin: withStdin,
        ...(opts.user ? { User: opts.user } : {}),
        ...(opts.env ? { Env: opts.env } : {}),
      });
      const stream = await ex.start({ hijack: true, stdin: withStdin });
      const demux = new DockerStreamDemuxer();
      const done = new Promise<void>((resolve, reject) => {
        stream.on('data', (d: Buffer) => demux.push(d));
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
      if (withStdin) stream.end(opts.stdin);
      await done;
      const info = await ex.inspect();
      return { code: info.ExitCode ?? 0, stdout: Buffer.concat(demux.stdout).toString('utf8'), stderr: Buffer.concat(demux.stderr).toString('utf8') };
    });
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
    if ((err as DockerodeError).statusCode !== status) throw err;
  }
}

const PERMANENT_DAEMON_ERROR = /unauthorized|authentication required|no basic auth credentials|access.*denied|manifest unknown|not found|no such image/i;

export function toDockerError(host: string, what: string, err: unknown): DockerError {
  if (err instanceof DockerError) return err;
  const e = err as DockerodeError;
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

