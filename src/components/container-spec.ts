import { createHash } from 'node:crypto';

/**
 * What drover wants a container to be, as data. `ensureContainer` compares the hash label of the
 * running container with the spec's hash: equal → nothing to do; different → replace.
 * No secret ever goes into args or env: keys, tokens and passwords are files that are mounted.
 */
export interface ContainerSpec {
  name: string;
  image: string;
  /** Overrides the image's entrypoint when set. */
  entrypoint?: string[];
  args: string[];
  /** host:container[:options], as `docker run -v`. */
  binds: string[];
  /** NAME=value; never secrets. */
  env: string[];
  networkMode: 'host' | 'none' | 'bridge';
  pidMode?: 'host';
  privileged: boolean;
  restart: 'always' | 'unless-stopped' | 'no';
  labels: Record<string, string>;
  user?: string;
  /** Seconds between SIGTERM and SIGKILL when the container is replaced (default 30). */
  stopGraceSeconds?: number;
}

/** How long a replaced container may take to stop unless its spec says otherwise. */
export const DEFAULT_STOP_GRACE_SECONDS = 30;

/** Label carrying the hash of everything above (except the label itself). */
export const SPEC_HASH_LABEL = 'io.drover.spec-hash';
/** Every container drover creates carries it, so `drover remove` finds exactly its own. */
export const MANAGED_LABEL = 'io.drover.managed';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function specHash(spec: ContainerSpec): string {
  const labels = { ...spec.labels };
  delete labels[SPEC_HASH_LABEL];
  return createHash('sha256')
    .update(JSON.stringify(canonical({ ...spec, labels })))
    .digest('hex')
    .slice(0, 16);
}

/** The spec as it is created: with the managed label and its own hash. */
export function finalizeSpec(spec: ContainerSpec): ContainerSpec {
  const withManaged = { ...spec, labels: { ...spec.labels, [MANAGED_LABEL]: 'true' } };
  return { ...withManaged, labels: { ...withManaged.labels, [SPEC_HASH_LABEL]: specHash(withManaged) } };
}

/** `--flag=value` arguments from a map, sorted, so the same inputs always give the same spec. */
export function flagArgs(flags: Record<string, string>): string[] {
  return Object.keys(flags)
    .map((k) => `--${k}=${flags[k]}`)
    .sort();
}
