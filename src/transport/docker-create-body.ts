import type { ContainerCreateRequest } from './docker.js';

/** drover's create request → Docker Engine API body (POST /containers/create). */
export function toCreateBody(req: ContainerCreateRequest): Record<string, unknown> & { name: string } {
  const hostConfig: Record<string, unknown> = {
    ...(req.binds ? { Binds: req.binds } : {}),
    ...(req.networkMode ? { NetworkMode: req.networkMode } : {}),
    ...(req.pidMode ? { PidMode: req.pidMode } : {}),
    ...(req.ipcMode ? { IpcMode: req.ipcMode } : {}),
    ...(req.privileged ? { Privileged: true } : {}),
    ...(req.restartPolicy ? { RestartPolicy: { Name: req.restartPolicy === 'no' ? '' : req.restartPolicy } } : {}),
    ...(req.capAdd ? { CapAdd: req.capAdd } : {}),
    ...(req.securityOpt ? { SecurityOpt: req.securityOpt } : {}),
    ...(req.volumesFrom ? { VolumesFrom: req.volumesFrom } : {}),
    ...(req.tmpfs ? { Tmpfs: req.tmpfs } : {}),
    ...(req.portBindings
      ? {
          PortBindings: Object.fromEntries(
            Object.entries(req.portBindings).map(([port, list]) => [port, list.map((b) => ({ HostIp: b.hostIp ?? '', HostPort: b.hostPort }))]),
          ),
        }
      : {}),
  };
  return {
    name: req.name,
    Image: req.image,
    ...(req.cmd ? { Cmd: req.cmd } : {}),
    ...(req.entrypoint ? { Entrypoint: req.entrypoint } : {}),
    ...(req.env ? { Env: req.env } : {}),
    ...(req.labels ? { Labels: req.labels } : {}),
    ...(req.user ? { User: req.user } : {}),
    ...(req.workingDir ? { WorkingDir: req.workingDir } : {}),
    ...(req.portBindings ? { ExposedPorts: Object.fromEntries(Object.keys(req.portBindings).map((p) => [p, {}])) } : {}),
    HostConfig: hostConfig,
  };
}
