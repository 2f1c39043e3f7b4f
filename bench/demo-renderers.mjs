#!/usr/bin/env node
// Shows the executor's renderers on a small fake cluster graph (nothing touches a machine).
//   node bench/demo-renderers.mjs [tty|plain|json] [--dry-run] [--fail] [--fast] [--journal FILE [--resume]]
// With --journal, interrupt a run (Ctrl-C) and run it again with --resume to see it continue.
// Needs `npm run build` first (runs against dist/). Ctrl-C once: graceful stop; twice: abort.
import { Cancellation, FileJournal, TransientError, execute, installSignalHandlers } from '../dist/executor/index.js';
import { createRenderer } from '../dist/cli/render/index.js';

const args = process.argv.slice(2);
const output = args.find((a) => ['tty', 'plain', 'json'].includes(a)) ?? (process.stdout.isTTY ? 'tty' : 'plain');
const dryRun = args.includes('--dry-run');
const fail = args.includes('--fail');
const scale = args.includes('--fast') ? 0.05 : 1;
const journalPath = args.includes('--journal') ? args[args.indexOf('--journal') + 1] : undefined;
const resume = args.includes('--resume');
const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const onAbort = () => (clearTimeout(timer), reject(signal.reason));
    const timer = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms * scale);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

const nodes = [
  { address: '10.250.0.11', roles: ['etcd', 'controlplane'] },
  { address: '10.250.0.12', roles: ['etcd', 'controlplane'] },
  { address: '10.250.0.13', roles: ['etcd', 'controlplane'] },
  { address: '10.250.0.21', roles: ['worker'] },
  { address: '10.250.0.22', roles: ['worker'] },
];
const tasks = [];
const task = (id, host, deps, title, ms, extra = {}) => {
  let failures = extra.flaky ?? 0;
  tasks.push({
    id,
    ...(host ? { host } : {}),
    deps,
    title,
    fingerprint: `demo-${id}`,
    async run(ctx) {
      await sleep(ms, ctx.signal);
      if (failures-- > 0) throw new TransientError('docker: 503 Service Unavailable (pulling image)');
      if (extra.fail) throw Object.assign(new Error('container kube-apiserver exited with code 1: invalid --service-cluster-ip-range'), { code: 'EXIT1' });
    },
    async describe() {
      return extra.changes ?? [{ action: 'create', subject: title.replace(/^\w+ /, '') }];
    },
  });
};
task('pki/generate', undefined, [], 'Generate certificates', 400, { changes: [{ action: 'create', subject: 'kube-ca, kube-apiserver, kube-etcd-* (14 certificates)' }] });
for (const n of nodes) {
  const a = n.address;
  task(`docker/check@${a}`, a, [], 'Check Docker', 300, { changes: [{ action: 'none', subject: 'docker 24.0.7' }] });
  task(`certs/deploy@${a}`, a, ['pki/generate', `docker/check@${a}`], 'Deploy certificates', 500, {
    changes: [{ action: 'update', subject: '/etc/kubernetes/ssl/kube-apiserver.pem', diff: '-not after 2026-01-01\n+not after 2036-11-24' }],
  });
  if (n.roles.includes('etcd')) task(`etcd/start@${a}`, a, [`certs/deploy@${a}`], 'Start etcd', 900, { flaky: a.endsWith('12') ? 1 : 0,
    changes: [{ action: 'replace', subject: 'container etcd', diff: '-image: rancher/mirrored-coreos-etcd:v3.5.9\n+image: rancher/mirrored-coreos-etcd:v3.5.16' }] });
}
const etcd = nodes.filter((n) => n.roles.includes('etcd')).map((n) => `etcd/start@${n.address}`);
task('etcd/health', undefined, etcd, 'Wait for etcd quorum', 300, { changes: [{ action: 'run', subject: 'etcdctl endpoint health' }] });
for (const n of nodes.filter((n) => n.roles.includes('controlplane'))) {
  const a = n.address;
  task(`kube-apiserver/start@${a}`, a, ['etcd/health'], 'Start kube-apiserver', 800, { fail: fail && a.endsWith('13') });
  task(`kube-controller-manager/start@${a}`, a, [`kube-apiserver/start@${a}`], 'Start kube-controller-manager', 500);
  task(`kube-scheduler/start@${a}`, a, [`kube-apiserver/start@${a}`], 'Start kube-scheduler', 500);
}
for (const n of nodes) {
  const a = n.address;
  task(`kubelet/start@${a}`, a, [`certs/deploy@${a}`, ...(n.roles.includes('controlplane') ? [`kube-apiserver/start@${a}`] : [])], 'Start kubelet', 700);
  task(`kube-proxy/start@${a}`, a, [`kubelet/start@${a}`], 'Start kube-proxy', 400);
}

const io = {
  stdout: { write: (t) => void process.stdout.write(t), isTTY: Boolean(process.stdout.isTTY) },
  stderr: { write: (t) => void process.stderr.write(t), isTTY: Boolean(process.stderr.isTTY) },
  env: process.env,
  cwd: process.cwd(),
  output,
  quiet: false,
  debug: false,
};
const renderer = await createRenderer(io);
const cancellation = new Cancellation();
const uninstall = installSignalHandlers(cancellation);
const result = await execute(
  { tasks },
  {
    dryRun,
    resume,
    ...(journalPath ? { journal: new FileJournal(journalPath), identity: 'demo cluster' } : {}),
    concurrency: 6,
    perHostConcurrency: 2,
    signal: cancellation.signal,
    forceSignal: cancellation.forceSignal,
    retry: { baseDelayMs: 300 * scale },
    secrets: ['s3cr3t-registry-password'],
    onEvent: renderer.onEvent,
  },
);
uninstall();
await renderer.close();
process.exitCode = result.exitCode;
