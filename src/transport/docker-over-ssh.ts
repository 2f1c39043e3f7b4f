import type { Duplex } from 'node:stream';
import type { ExecResult } from './host.js';
import type { ContainerCreateRequest, ContainerInfo, ContainerLogs, ContainerSummary, Docker, DockerInfo, DockerVersion, RegistryAuth } from './docker.js';
import { DockerApi } from './docker-api.js';
import { agentOverStreams, dialStdioFactory, DockerStreamError, streamLocalFactory } from './docker-streams.js';
import { DockerError } from './errors.js';
import type { SshHost } from './ssh-host.js';
import type { SshPool } from './ssh-pool.js';

export type DockerRoute = 'stream-local' | 'dial-stdio';

/**
 * A node's Docker daemon over its SSH connection. The first use picks the route: a stream-local
 * forward to docker_socket when sshd allows it and the socket accepts the login user, else
 * `docker system dial-stdio` over exec (through sudo for non-root users).
 */
export class SshDocker implements Docker {
  readonly address: string;
  private chosen: Promise<{ api: DockerApi; route: DockerRoute }> | undefined;

  constructor(
    private readonly pool: SshPool,
    private readonly host: SshHost,
    private readonly socketPath: string,
  ) {
    this.address = host.address;
  }

  /** The route in use, once known (for `drover check` and the bench). */
  async route(): Promise<DockerRoute> {
    return (await this.pick()).route;
  }

  version = async (): Promise<DockerVersion> => (await this.api()).version();
  info = async (): Promise<DockerInfo> => (await this.api()).info();
  imageExists = async (ref: string): Promise<boolean> => (await this.api()).imageExists(ref);
  pullImage = async (ref: string, auth?: RegistryAuth): Promise<void> => (await this.api()).pullImage(ref, auth);
  loadImage = async (tar: NodeJS.ReadableStream): Promise<void> => (await this.api()).loadImage(tar);
  listContainers = async (opts?: { all?: boolean }): Promise<ContainerSummary[]> => (await this.api()).listContainers(opts);
  inspectContainer = async (nameOrId: string): Promise<ContainerInfo | undefined> => (await this.api()).inspectContainer(nameOrId);
  createContainer = async (req: ContainerCreateRequest): Promise<string> => (await this.api()).createContainer(req);
  startContainer = async (nameOrId: string): Promise<void> => (await this.api()).startContainer(nameOrId);
  stopContainer = async (nameOrId: string, opts?: { timeoutSeconds?: number }): Promise<void> => (await this.api()).stopContainer(nameOrId, opts);
  removeContainer = async (nameOrId: string, opts?: { force?: boolean; volumes?: boolean }): Promise<void> =>
    (await this.api()).removeContainer(nameOrId, opts);
  containerLogs = async (nameOrId: string, opts?: { tail?: number }): Promise<ContainerLogs> => (await this.api()).containerLogs(nameOrId, opts);
  waitContainer = async (nameOrId: string): Promise<number> => (await this.api()).waitContainer(nameOrId);
  exec = async (nameOrId: string, cmd: string[], opts?: { stdin?: string | Buffer; user?: string; env?: string[] }): Promise<ExecResult> =>
    (await this.api()).exec(nameOrId, cmd, opts);

  private async api(): Promise<DockerApi> {
    return (await this.pick()).api;
  }

  private pick(): Promise<{ api: DockerApi; route: DockerRoute }> {
    this.chosen ??= this.choose().catch((err: unknown) => {
      this.chosen = undefined; // the daemon may just be restarting: decide again next time
      throw err;
    });
    return this.chosen;
  }

  private async choose(): Promise<{ api: DockerApi; route: DockerRoute }> {
    const endpoint = this.host.endpoint;
    const streamLocal = streamLocalFactory(this.pool, endpoint, this.socketPath);
    try {
      // The probe channel becomes the first connection of the agent: one channel open less per node.
      let spare: Duplex | undefined = await streamLocal();
      const reuseProbe = async (): Promise<Duplex> => {
        const s = spare;
        spare = undefined;
        if (s && s.readable && s.writable && !s.destroyed) return s;
        s?.destroy();
        return streamLocal();
      };
      return { api: new DockerApi(this.address, agentOverStreams(reuseProbe, 8)), route: 'stream-local' };
    } catch (err) {
      if (!(err instanceof DockerStreamError && err.refused)) throw err;
      // Keep dial-stdio channels few: each is an SSH session, and sshd allows 10 per connection.
      const dial = new DockerApi(this.address, agentOverStreams(dialStdioFactory(this.pool, endpoint, this.socketPath, () => this.host.sudo()), 2));
      try {
        await dial.ping();
      } catch (dialErr) {
        throw new DockerError(this.address, `Docker at ${this.socketPath} is not reachable: ${err.message}; docker system dial-stdio also failed: ${(dialErr as Error).message}`, {
          transient: true,
          cause: dialErr,
          hint: 'is dockerd running and docker_socket right? A non-root user needs the docker group, AllowStreamLocalForwarding, or sudo with the docker CLI',
        });
      }
      return { api: dial, route: 'dial-stdio' };
    }
  }
}
