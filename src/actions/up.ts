import { randomBytes } from 'node:crypto';
import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { formatProblem, loadClusterModel } from '../config/index.js';
import { DroverError, UsageError } from '../errors.js';
import { Cancellation, FileJournal, installSignalHandlers } from '../executor/index.js';
import { reconcilePki, type PkiSeed } from '../pki/index.js';
import { chooseRotation, withoutCerts } from '../pki/rotate.js';
import { planUp } from '../plan/up.js';
import { SshClusterOps } from '../ops/ssh-cluster-ops.js';
import { etcdClientTls } from '../ops/etcdctl.js';
import { SshKubePlaneOps } from '../ops/ssh-kube-plane-ops.js';
import { SshNetworkOps } from '../ops/ssh-network-ops.js';
import { planAddons } from '../plan/addons.js';
import { readAddonIncludes } from '../kube/addon-files.js';
import { writeAdminKubeconfig } from '../kube/admin-kubeconfig.js';
import type { StateContent } from '../state/index.js';
import { runGraph } from './run-graph.js';
import { keepStateCopies, openSession, type Session } from './session.js';
import { gatherFacts } from '../ops/node-facts.js';
import { judgeCluster, judgeNode } from '../plan/preflight.js';
import { formatPreflightTable } from '../plan/preflight-report.js';
import type { ClusterModel } from '../model/cluster.js';

const DROVER_VERSION = '0.1.0';

/** The checks of `drover check`, before anything changes: a failing node stops the run here. */
async function preflight(model: ClusterModel, session: Session, io: IoHost): Promise<void> {
  const facts = await Promise.all(model.nodes.map((node) => gatherFacts(node, session.transport)));
  const failed = [...facts.flatMap((f) => judgeNode(f, model.network.plugin)), ...judgeCluster(facts)].filter((r) => r.status === 'fail');
  if (failed.length === 0) return;
  io.stderr.write(formatPreflightTable(failed, { tty: io.output === 'tty' }));
  throw new DroverError(`preflight failed: ${failed.length} check${failed.length === 1 ? '' : 's'} on ${[...new Set(failed.map((r) => r.node ?? 'the cluster'))].join(', ')}; nothing was changed`, {
    hint: 'fix what the table above shows; `drover check` prints every check',
  });
}

function sameState(previous: StateContent, next: StateContent): boolean {
  const pick = (s: StateContent) => JSON.stringify([s.appliedConfig, s.pki, s.etcd, s.versions, s.planes, s.podSubnets, s.kubeSecrets]);
  return pick(previous) === pick(next);
}

/**
 * Certificates, keys and pod subnets made for this run are saved before any of them reaches a
 * node: a run that fails half-way (or is killed) and is resumed must find the very same material,
 * not issue new CAs that the parts already running do not trust. What is deployed
 * (appliedConfig, etcd, planes) is still recorded only after a successful run.
 */
async function keepGeneratedMaterial(session: Session, material: Pick<StateContent, 'pki' | 'kubeSecrets' | 'podSubnets'>): Promise<void> {
  const previous = session.previous;
  const base: StateContent = previous ?? { droverVersion: DROVER_VERSION, versions: {} };
  const next: StateContent = { ...base, ...material, podSubnets: { ...previous?.podSubnets, ...material.podSubnets } };
  if (previous && JSON.stringify([previous.pki, previous.kubeSecrets, previous.podSubnets]) === JSON.stringify([next.pki, next.kubeSecrets, next.podSubnets])) return;
  await session.store.save(next);
}

export interface UpOptions {
  config: string;
  resume?: boolean;
  dryRun?: boolean;
  concurrency?: string;
  forceUnlock?: boolean;
  onlyHosts?: string;
  until?: 'etcd' | 'kubernetes';
  /** `drover cert rotate`: these certificates get new keys first (all services, or one). */
  rotate?: { service?: string };
}

/** The PKI to reconcile for `drover cert rotate`: the state's, without the certificates to replace. */
function rotationSeed(previous: StateContent | undefined, service: string | undefined, io: IoHost): PkiSeed {
  if (!previous?.pki || !previous.appliedConfig) {
    throw new DroverError('there is no state for this cluster: drover has not built it, so there are no certificates to rotate', {
      exitCode: ExitCode.InvalidInput,
      hint: 'run `drover up` first (or `drover util get-state` to recover a lost state)',
    });
  }
  const choice = chooseRotation(previous.pki, service);
  for (const name of choice.custom) io.stderr.write(`warning: ${name} was imported from a --cert-dir: drover does not replace it\n`);
  return withoutCerts(previous.pki, choice.names);
}

/** Secrets drover makes once and keeps in the state (the key for secrets at rest). */
function kubeSecrets(model: ClusterModel, previous: StateContent['kubeSecrets']): NonNullable<StateContent['kubeSecrets']> {
  if (previous?.encryptionKey || !model.kubeApi.secretsEncryption.enabled) return { ...previous };
  return { ...previous, encryptionKey: randomBytes(32).toString('base64') };
}

/**
 * `drover up`: load → model → PKI → plan → execute → state. Reads top to bottom; every step is
 * a named function from a lower layer. `drover plan` is the same with dryRun.
 */
export async function up(opts: UpOptions, io: IoHost): Promise<ExitCode> {
  if (opts.onlyHosts) throw new UsageError('--only-hosts is not supported yet', 'run without it: unchanged nodes are left alone anyway');
  const concurrency = Number(opts.concurrency ?? 30);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a whole number ≥ 1, got "${opts.concurrency}"`);

  const started = Date.now();
  const phase = (name: string) => io.debug && io.stderr.write(`debug: +${Date.now() - started} ms ${name}\n`);
  const { model, warnings, secrets: configSecrets } = await loadClusterModel(opts.config, io.env, { purpose: 'deploy' });
  phase('config loaded');
  for (const w of warnings) io.stderr.write(formatProblem(w) + '\n');
  const dryRun = Boolean(opts.dryRun);
  const session = await openSession(model, io, {
    command: dryRun ? 'up --dry-run' : 'up',
    forceUnlock: opts.forceUnlock ?? false,
    readOnly: dryRun,
    whileLocking: (s) => preflight(model, s, io),
  });
  phase('session open (locks, state, SSH, preflight)');
  const cancellation = new Cancellation();
  const removeHandlers = installSignalHandlers(cancellation);
  let kube: SshKubePlaneOps | undefined;
  try {
    const previous = session.previous;
    const seed = opts.rotate ? rotationSeed(previous, opts.rotate.service, io) : previous?.pki;
    const { pki, issued } = reconcilePki(seed, model, { keyType: previous?.pki?.keyType ?? 'ecdsa', now: () => new Date(), randomSerial: () => randomBytes(16) });
    const secrets = kubeSecrets(model, previous?.kubeSecrets);
    const includes = opts.until === 'etcd' ? {} : await readAddonIncludes(model);
    const etcdOnly = opts.until === 'etcd';
    // A cluster whose last run stopped after etcd gets its Kubernetes plane as a new one.
    const hadKubernetes = previous?.planes ? previous.planes.includes('kubernetes') : Boolean(previous?.appliedConfig);
    const ops = new SshClusterOps(session.transport, model, etcdClientTls(pki));
    kube = new SshKubePlaneOps(session.transport, model, pki);
    const plan = planUp({
      model,
      pki,
      previous:
        previous?.appliedConfig && previous.etcd
          ? { nodes: previous.appliedConfig.nodes, etcd: previous.etcd, ...(previous.podSubnets ? { podSubnets: previous.podSubnets } : {}) }
          : undefined,
      previousKubeNodes: hadKubernetes ? previous?.appliedConfig?.nodes : undefined,
      secrets,
      ops,
      kube,
      network: new SshNetworkOps(session.transport),
      etcdOnly,
      addons: ({ apiHealthy, ready }) =>
        planAddons({
          model,
          kube: kube!.kubeOps(),
          // vxlan nodes are Ready without add-ons; a manifest-based network is what makes them Ready.
          after: [ready],
          networkAfter: [apiHealthy],
          includes,
          previous: hadKubernetes ? previous?.appliedConfig : undefined,
        }),
    });
    phase('planned');
    if (!dryRun) await keepGeneratedMaterial(session, { pki, kubeSecrets: secrets, ...(plan.podSubnets ? { podSubnets: plan.podSubnets } : {}) });
    const result = await runGraph(plan.tasks, io, cancellation, {
      resume: Boolean(opts.resume),
      dryRun,
      concurrency,
      journal: new FileJournal(session.journalPath),
      identity: `${model.configPath}#${model.name}`,
      secrets: [...configSecrets, ...Object.values(pki.certs).flatMap((c) => (c.keyPem ? [c.keyPem] : [])), ...(secrets.encryptionKey ? [secrets.encryptionKey] : [])],
    });
    phase('tasks run');
    if (io.debug) io.stderr.write(`debug: ssh connections opened: ${JSON.stringify(session.transport.pool.connectionsOpened())}\n`);
    if (result.ok && !dryRun) {
      const content: StateContent = {
        droverVersion: DROVER_VERSION,
        appliedConfig: model,
        pki,
        etcd: plan.etcd,
        planes: etcdOnly ? ['etcd'] : ['etcd', 'kubernetes'],
        // `--until etcd` plans no network: the subnets already given to nodes stay theirs.
        ...(plan.podSubnets ? { podSubnets: plan.podSubnets } : previous?.podSubnets ? { podSubnets: previous.podSubnets } : {}),
        kubeSecrets: secrets,
        versions: { kubernetes: model.kubernetesVersion },
      };
      // A run that changed nothing leaves the state, and its copies on the nodes, as they were.
      if (!previous || !sameState(previous, content)) {
        const { text } = await session.store.save(content);
        await keepStateCopies(session, text, io);
      }
    }
    phase('state saved');
    if (opts.rotate && result.ok && !dryRun && !io.quiet && io.output !== 'json') {
      io.stderr.write(`rotated ${issued.length} certificate${issued.length === 1 ? '' : 's'}: ${issued.join(', ')}\n`);
    }
    if (result.ok && !dryRun && !etcdOnly) {
      const path = await writeAdminKubeconfig(model, pki);
      if (!io.quiet && io.output !== 'json') io.stderr.write(`kubeconfig: ${path}\n  kubectl --kubeconfig ${path} get nodes\n`);
    }
    return result.exitCode;
  } finally {
    removeHandlers();
    kube?.close();
    await session.close();
    phase('session closed');
  }
}
