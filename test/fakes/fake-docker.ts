import type { ExecResult } from '../../src/transport/host.js';
import type {
  ContainerCreateRequest,
  ContainerInfo,
  ContainerLogs,
  ContainerSummary,
  Docker,
  DockerInfo,
  DockerVersion,
  RegistryAuth,
} from '../../src/transport/docker.js';
import { DockerError } from '../../src/transport/errors.js';

interface FakeContainer {
  id: string;
  req: ContainerCreateRequest;
  state: ContainerInfo['state'];
  exitCode: number;
  restartCount: number;
  startedAt: string;
  finishedAt: string;
}

/** What a container "does" when started: its exit code (undefined = keeps running) and output. */
export type ContainerBehaviour = (req: ContainerCreateRequest) => { exitCode?: number; stdout?: string; stderr?: string };

/**
 * One node's Docker daemon in memory, for unit tests of code that ensures containers: images
 * (present, pullable from a fake registry with optional required credentials, or loaded),
 * containers with Docker's state machine (created → running → exited; name conflicts are 409,
 * missing ones 404; start/stop are idempotent as in the API), logs and exec answered by
 * scripts, and a daemon that can be down (`down = true`: every call fails with a transient
 * DockerError, like a restarting dockerd) or restarted (`restartDaemon()`: containers with
 * restart policy always/unless-stopped come back running, others stop). `calls` logs every
 * method call. It does not run processes, model networks, volumes or resource limits.
 */
export class FakeDocker implements Docker {
  readonly images = new Set<string>();
  readonly registry = new Map<string, { auth?: { username: string; password: string } }>();
  readonly containers = new Map<string, FakeContainer>();
  readonly calls: string[] = [];
  readonly logs = new Map<string, ContainerLogs>();
  down = false;
  serverVersion = '20.10.24';
  behaviour: ContainerBehaviour = () => ({});
  execHandler: (container: string, cmd: string[], stdin?: string) => ExecResult = () => ({ code: 0, stdout: '', stderr: '' });
  /** A loaded tar is read as newline-separated image references (tests write it that way). */
  loadParser: (tar: Buffer) => string[] = (tar) => tar.toString().split('\n').filter(Boolean);
  private seq = 0;

  constructor(readonly address: string) {}

  async version(): Promise<DockerVersion> {
    await this.call('version');
    return { version: this.serverVersion, apiVersion: '1.41', os: 'linux', arch: 'amd64' };
  }

  async info(): Promise<DockerInfo> {
    await this.call('info');
    const running = [...this.containers.values()].filter((c) => c.state === 'running').length;
    return { name: this.address, serverVersion: this.serverVersion, dockerRootDir: '/var/lib/docker', cgroupDriver: 'cgroupfs', storageDriver: 'overlay2', containersRunning: running };
  }

  async imageExists(ref: string): Promise<boolean> {
    await this.call(`imageExists ${ref}`);
    return this.images.has(ref);
  }

  async pullImage(ref: string, auth?: RegistryAuth): Promise<void> {
    await this.call(`pull ${ref}`);
    const entry = this.registry.get(ref);
    if (!entry) throw new DockerError(this.address, `docker pull ${ref}: manifest unknown`, { statusCode: 404, transient: false });
    if (entry.auth && (entry.auth.username !== auth?.username || entry.auth.password !== auth?.password)) {
      throw new DockerError(this.address, `docker pull ${ref}: unauthorized`, { statusCode: 401, transient: false });
    }
    this.images.add(ref);
  }

  async loadImage(tar: NodeJS.ReadableStream): Promise<void> {
    await this.call('load');
    const chunks: Buffer[] = [];
    for await (const c of tar) chunks.push(Buffer.from(c as Buffer));
    for (const ref of this.loadParser(Buffer.concat(chunks))) this.images.add(ref);
  }

  async listContainers(opts: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    await this.call('list');
    return [...this.containers.entries()]
      .filter(([, c]) => opts.all || c.state === 'running')
      .map(([name, c]) => ({ id: c.id, name, image: c.req.image, state: c.state, labels: c.req.labels ?? {} }));
  }

  async inspectContainer(nameOrId: string): Promise<ContainerInfo | undefined> {
    await this.call(`inspect ${nameOrId}`);
    const found = this.find(nameOrId);
    if (!found) return undefined;
    const [name, c] = found;
    return {
      id: c.id, name, image: c.req.image, imageId: `sha256:${c.req.image}`, state: c.state, running: c.state === 'running',
      exitCode: c.exitCode, restartCount: c.restartCount, startedAt: c.startedAt, finishedAt: c.finishedAt, labels: c.req.labels ?? {},
    };
  }

  async createContainer(req: ContainerCreateRequest): Promise<string> {
    await this.call(`create ${req.name}`);
    if (this.containers.has(req.name)) throw new DockerError(this.address, `docker create ${req.name}: name already in use`, { statusCode: 409, transient: false });
    if (!this.images.has(req.image)) throw new DockerError(this.address, `docker create ${req.name}: No such image: ${req.image}`, { statusCode: 404, transient: false });
    const id = `fake${(++this.seq).toString(16).padStart(12, '0')}`;
    this.containers.set(req.name, { id, req, state: 'created', exitCode: 0, restartCount: 0, startedAt: '', finishedAt: '' });
    return id;
  }

  async startContainer(nameOrId: string): Promise<void> {
    await this.call(`start ${nameOrId}`);
    const [name, c] = this.mustFind(nameOrId);
    if (c.state === 'running') return;
    c.state = 'running';
    c.startedAt = new Date(0).toISOString();
    const b = this.behaviour(c.req);
    if (b.stdout !== undefined || b.stderr !== undefined) this.logs.set(name, { stdout: b.stdout ?? '', stderr: b.stderr ?? '' });
    if (b.exitCode !== undefined) this.exit(c, b.exitCode);
  }

  async stopContainer(nameOrId: string): Promise<void> {
    await this.call(`stop ${nameOrId}`);
    const [, c] = this.mustFind(nameOrId);
    if (c.state === 'running') this.exit(c, 137);
  }

  async removeContainer(nameOrId: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.call(`remove ${nameOrId}`);
    const found = this.find(nameOrId);
    if (!found) return;
    if (found[1].state === 'running' && !opts.force) {
      throw new DockerError(this.address, `docker rm ${nameOrId}: container is running`, { statusCode: 409, transient: false });
    }
    this.containers.delete(found[0]);
    this.logs.delete(found[0]);
  }

  async containerLogs(nameOrId: string): Promise<ContainerLogs> {
    await this.call(`logs ${nameOrId}`);
    const [name] = this.mustFind(nameOrId);
    return this.logs.get(name) ?? { stdout: '', stderr: '' };
  }

  async waitContainer(nameOrId: string): Promise<number> {
    await this.call(`wait ${nameOrId}`);
    const [, c] = this.mustFind(nameOrId);
    if (c.state === 'running') throw new Error('FakeDocker: waiting on a container that never exits would hang the test');
    return c.exitCode;
  }

  async exec(nameOrId: string, cmd: string[], opts: { stdin?: string | Buffer } = {}): Promise<ExecResult> {
    await this.call(`exec ${nameOrId} ${cmd.join(' ')}`);
    const [name, c] = this.mustFind(nameOrId);
    if (c.state !== 'running') throw new DockerError(this.address, `docker exec ${name}: container is not running`, { statusCode: 409, transient: false });
    return this.execHandler(name, cmd, opts.stdin === undefined ? undefined : String(opts.stdin));
  }

  /** dockerd restarted: containers that Docker would restart come back, the rest are stopped. */
  restartDaemon(): void {
    for (const c of this.containers.values()) {
      if (c.state !== 'running') continue;
      const policy = c.req.restartPolicy;
      if (policy === 'always' || policy === 'unless-stopped') c.restartCount++;
      else this.exit(c, 255);
    }
  }

  private exit(c: FakeContainer, code: number): void {
    c.state = 'exited';
    c.exitCode = code;
    c.finishedAt = new Date(0).toISOString();
  }

  private async call(what: string): Promise<void> {
    await new Promise((r) => setImmediate(r));
    this.calls.push(what);
    if (this.down) throw new DockerError(this.address, `docker ${what}: Cannot connect to the Docker daemon`, { transient: true });
  }

  private find(nameOrId: string): [string, FakeContainer] | undefined {
    for (const entry of this.containers) if (entry[0] === nameOrId || entry[1].id === nameOrId) return entry;
    return undefined;
  }

  private mustFind(nameOrId: string): [string, FakeContainer] {
    const f = this.find(nameOrId);
    if (!f) throw new DockerError(this.address, `No such container: ${nameOrId}`, { statusCode: 404, transient: false });
    return f;
  }
}
