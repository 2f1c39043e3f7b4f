import type { ExecResult } from './host.js';

/**
 * The I/O edge to one node's Docker daemon. Shapes are drover's own (not the Engine API's) so the
 * executor's FakeDocker and the real daemon are interchangeable.
 */
export interface DockerVersion {
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
}

export interface DockerInfo {
  name: string;
  serverVersion: string;
  dockerRootDir: string;
  cgroupDriver: string;
  storageDriver: string;
  containersRunning: number;
}

/** Registry credentials: sent in the X-Registry-Auth header, never on a command line. */
export interface RegistryAuth {
  serveraddress: string;
  username: string;
  password: string;
}

export type RestartPolicy = 'no' | 'always' | 'unless-stopped' | 'on-failure';

export interface ContainerCreateRequest {
  name: string;
  image: string;
  cmd?: string[];
  entrypoint?: string[];
  env?: string[];
  labels?: Record<string, string>;
  binds?: string[];
  /** e.g. host */
  networkMode?: string;
  /** e.g. host */
  pidMode?: string;
  ipcMode?: string;
  privileged?: boolean;
  restartPolicy?: RestartPolicy;
  user?: string;
  workingDir?: string;
  capAdd?: string[];
  securityOpt?: string[];
  volumesFrom?: string[];
  tmpfs?: Record<string, string>;
  /** container port ("80/tcp") → host port */
  portBindings?: Record<string, { hostIp?: string; hostPort: string }[]>;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerInfo {
  id: string;
  name: string;
  /** The image reference the container was created from. */
  image: string;
  imageId: string;
  state: ContainerState;
  running: boolean;
  exitCode: number;
  restartCount: number;
  startedAt: string;
  finishedAt: string;
  labels: Record<string, string>;
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  state: ContainerState;
  labels: Record<string, string>;
}

export interface ContainerLogs {
  stdout: string;
  stderr: string;
}

export interface Docker {
  readonly address: string;
  version(): Promise<DockerVersion>;
  info(): Promise<DockerInfo>;
  imageExists(ref: string): Promise<boolean>;
  pullImage(ref: string, auth?: RegistryAuth): Promise<void>;
  /** `docker load` from a tar stream (e.g. `docker save` output). */
  loadImage(tar: NodeJS.ReadableStream): Promise<void>;
  listContainers(opts?: { all?: boolean }): Promise<ContainerSummary[]>;
  /** undefined when there is no such container. */
  inspectContainer(nameOrId: string): Promise<ContainerInfo | undefined>;
  /** Returns the new container's id. */
  createContainer(req: ContainerCreateRequest): Promise<string>;
  startContainer(nameOrId: string): Promise<void>;
  /** Already stopped is not an error. */
  stopContainer(nameOrId: string, opts?: { timeoutSeconds?: number }): Promise<void>;
  /** A missing container is not an error. */
  removeContainer(nameOrId: string, opts?: { force?: boolean; volumes?: boolean }): Promise<void>;
  containerLogs(nameOrId: string, opts?: { tail?: number }): Promise<ContainerLogs>;
  /** Waits until the container stops; returns its exit code. */
  waitContainer(nameOrId: string): Promise<number>;
  /** Run a command in a running container; stdin is how secrets reach it. */
  exec(nameOrId: string, cmd: string[], opts?: { stdin?: string | Buffer; user?: string; env?: string[] }): Promise<ExecResult>;
}
