import { DEFAULT_STOP_GRACE_SECONDS, SPEC_HASH_LABEL, type ContainerSpec } from '../components/container-spec.js';
import type { TaskChange } from '../executor/task.js';
import type { ContainerCreateRequest, Docker } from '../transport/docker.js';

/** Observe first, act only on difference: the container drover wants, from its spec. */
export function createRequest(spec: ContainerSpec): ContainerCreateRequest {
  return {
    name: spec.name,
    image: spec.image,
    ...(spec.entrypoint ? { entrypoint: spec.entrypoint } : {}),
    cmd: spec.args,
    env: spec.env,
    labels: spec.labels,
    binds: spec.binds,
    networkMode: spec.networkMode,
    ...(spec.pidMode ? { pidMode: spec.pidMode } : {}),
    privileged: spec.privileged,
    restartPolicy: spec.restart,
    ...(spec.user ? { user: spec.user } : {}),
  };
}

export async function containerDiff(docker: Docker, spec: ContainerSpec): Promise<TaskChange[]> {
  const current = await docker.inspectContainer(spec.name);
  const want = spec.labels[SPEC_HASH_LABEL];
  if (!current) return [{ action: 'create', subject: `container ${spec.name} (${spec.image})` }];
  const have = current.labels[SPEC_HASH_LABEL];
  if (have !== want) return [{ action: 'replace', subject: `container ${spec.name}`, diff: `- spec ${have ?? '(not made by drover)'} ${current.image}\n+ spec ${want} ${spec.image}` }];
  if (!current.running) return [{ action: 'update', subject: `container ${spec.name}`, diff: `- ${current.state}\n+ running` }];
  return [];
}

export async function ensureContainer(docker: Docker, spec: ContainerSpec): Promise<'unchanged' | 'created' | 'replaced' | 'started'> {
  const current = await docker.inspectContainer(spec.name);
  if (current && current.labels[SPEC_HASH_LABEL] === spec.labels[SPEC_HASH_LABEL]) {
    if (current.running) return 'unchanged';
    await docker.startContainer(spec.name);
    return 'started';
  }
  if (current) {
    await docker.stopContainer(spec.name, { timeoutSeconds: spec.stopGraceSeconds ?? DEFAULT_STOP_GRACE_SECONDS });
    await docker.removeContainer(spec.name, { force: true });
  }
  await docker.createContainer(createRequest(spec));
  await docker.startContainer(spec.name);
  return current ? 'replaced' : 'created';
}
