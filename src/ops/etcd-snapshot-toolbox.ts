import { randomBytes } from 'node:crypto';
import { ETCD_CONTAINER } from '../components/etcd.js';
import { DroverError } from '../errors.js';
import type { Docker } from '../transport/docker.js';
import type { ExecResult } from '../transport/host.js';
import { lastLines } from './etcdctl.js';

/**
 * Shell scripts for snapshot work run in containers, over each node's Docker API (one SSH
 * channel, no login shell): in the running etcd container when it is there, otherwise in a
 * one-off container from the etcd image (it has a shell, tar and etcdctl) — the way to reach
 * the data while etcd is stopped.
 */
export async function runInEtcd(docker: Docker, script: string, stdin?: string): Promise<ExecResult> {
  return docker.exec(ETCD_CONTAINER, ['/bin/sh', '-c', script], stdin === undefined ? {} : { stdin });
}

export async function etcdRunning(docker: Docker): Promise<boolean> {
  return (await docker.inspectContainer(ETCD_CONTAINER))?.running ?? false;
}

/** A one-off container: created, run to its end, logs read, removed (also on failure). */
export async function runOneOff(docker: Docker, image: string, script: string, binds: string[]): Promise<ExecResult> {
  const name = `drover-etcd-snapshot-${randomBytes(4).toString('hex')}`;
  await docker.createContainer({
    name,
    image,
    entrypoint: ['/bin/sh', '-c'],
    cmd: [script],
    binds,
    env: ['ETCDCTL_API=3'],
    networkMode: 'none',
    restartPolicy: 'no',
    labels: { 'io.drover.component': 'etcd-snapshot-tool' },
  });
  try {
    await docker.startContainer(name);
    const code = await docker.waitContainer(name);
    const logs = await docker.containerLogs(name);
    return { code, stdout: logs.stdout, stderr: logs.stderr };
  } finally {
    await docker.removeContainer(name, { force: true }).catch(() => undefined);
  }
}

export function checkResult(r: ExecResult, host: string, what: string): string {
  if (r.code !== 0) throw new DroverError(`${what} failed on ${host} (exit ${r.code}): ${lastLines(r.stderr || r.stdout, 6)}`);
  return r.stdout;
}
