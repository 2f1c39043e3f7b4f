import { Command, Option } from 'commander';
import type { ExitCode } from './exit-codes.js';
import type { IoHost } from './io.js';
import { NotImplementedError } from '../errors.js';

/**
 * The whole command tree, and nothing else: every handler lives in src/actions and is
 * imported only when its command runs, so `drover --version` stays fast.
 */
export type ActionRunner = (
  load: () => Promise<(opts: any, io: IoHost) => Promise<ExitCode>>,
  opts: Record<string, unknown>,
) => Promise<void>;

export function buildProgram(version: string, run: ActionRunner): Command {
  const program = new Command('drover')
    .description('Kubernetes clusters from one cluster.yml: nodes over SSH, components as Docker containers')
    .version(version, '-V, --version', 'print the drover version')
    .addOption(new Option('-c, --config <file>', 'cluster file').default('cluster.yml'))
    .addOption(new Option('-o, --output <mode>', 'output: tty, plain or json (NDJSON)').choices(['tty', 'plain', 'json']))
    .option('-q, --quiet', 'print only warnings, errors and results')
    .option('--debug', 'show stack traces and debug logs')
    .showHelpAfterError('(run with --help for usage)')
    // Set before any subcommand is added: subcommands copy it, so their usage errors exit 2 too.
    .exitOverride()
    .configureHelp({ sortSubcommands: false });

  // `act` binds a command to a lazily imported action; `notYet` registers an honest failure.
  const act = (load: () => Promise<(opts: any, io: IoHost) => Promise<ExitCode>>) =>
    async function (this: Command, ...args: unknown[]) {
      const cmd = args[args.length - 1] as Command;
      const positional = cmd.args;
      await run(load, { ...cmd.optsWithGlobals(), args: positional });
    };
  const notYet = (name: string) => async () => {
    throw new NotImplementedError(name);
  };

  program
    .command('up')
    .description('converge the cluster to cluster.yml (create, add/remove nodes, upgrade)')
    .option('--resume', 'continue a run that failed or was killed')
    .option('--dry-run', 'print the plan and touch nothing')
    .option('--only-hosts <addresses>', 'limit the run to these hosts (comma separated)')
    .option('--concurrency <n>', 'tasks running at once across all hosts', '30')
    .option('--force-unlock', 'take over a lock left behind by a dead run')
    .addOption(new Option('--until <plane>', 'bring the cluster up only as far as this plane (staged bring-up)').choices(['etcd', 'kubernetes']))
    .action(act(async () => (await import('../actions/up.js')).up));

  program
    .command('plan')
    .description('show what `up` would do: desired vs. observed state and the exact task list')
    .option('--only-hosts <addresses>', 'limit the plan to these hosts (comma separated)')
    .addOption(new Option('--until <plane>', 'plan only as far as this plane').choices(['etcd', 'kubernetes']))
    .action(act(async () => (await import('../actions/plan.js')).plan));

  program
    .command('check')
    .description('preflight every node without changing anything')
    .action(act(async () => (await import('../actions/check.js')).check));

  const hosts = program.command('hosts').description('SSH host keys of the nodes');
  hosts
    .command('trust')
    .description("show each node's host-key fingerprint and add it to drover's known_hosts")
    .option('-y, --yes', 'trust without asking')
    .action(act(async () => (await import('../actions/hosts-trust.js')).hostsTrust));

  program
    .command('remove')
    .description('tear the cluster down and clean every node')
    .option('--force', 'do not ask for confirmation')
    .option('--dry-run', 'show what would be removed and touch nothing')
    .action(act(async () => (await import('../actions/remove.js')).remove));

  const etcd = program.command('etcd').description('etcd snapshots');
  etcd
    .command('snapshot-save')
    .description('take a named snapshot on every etcd node')
    .option('--name <name>', 'snapshot name (default: a timestamp)')
    .option('--force-unlock', 'take over a lock left behind by a dead run')
    .action(act(async () => (await import('../actions/etcd-snapshot-save.js')).snapshotSave));
  etcd
    .command('snapshot-restore')
    .description('restore etcd from a named snapshot and restart the planes')
    .requiredOption('--name <name>', 'snapshot name')
    .option('--force-unlock', 'take over a lock left behind by a dead run')
    .action(act(async () => (await import('../actions/etcd-snapshot-restore.js')).snapshotRestore));
  etcd
    .command('snapshot-list')
    .description('list the snapshots on the etcd nodes')
    .action(act(async () => (await import('../actions/etcd-snapshot-list.js')).snapshotList));

  const cert = program.command('cert').description('cluster certificates');
  cert
    .command('rotate')
    .description('new keys and certificates for every service (or one), then restart what uses them')
    .option('--service <name>', 'only this service: etcd, kubelet, kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy')
    .option('--rotate-ca', 'rotate the CAs too (not supported yet)')
    .option('--dry-run', 'print the plan and touch nothing')
    .option('--concurrency <n>', 'tasks running at once across all hosts', '30')
    .option('--force-unlock', 'take over a lock left behind by a dead run')
    .action(act(async () => (await import('../actions/cert-rotate.js')).certRotate));
  cert
    .command('status')
    .description("show every certificate's expiry")
    .action(act(async () => (await import('../actions/cert-status.js')).certStatus));
  cert
    .command('generate')
    .description('write the whole PKI and kubeconfigs to a directory, offline')
    .requiredOption('--out <dir>', 'output directory')
    .option('--cert-dir <dir>', 'use the CA and certificates found here')
    .addOption(new Option('--key-type <type>', 'key type of new keys').choices(['ecdsa', 'rsa']).default('ecdsa'))
    .action(act(async () => (await import('../actions/cert-generate.js')).certGenerate));

  const config = program
    .command('config')
    .description('cluster.yml: print an example, validate it, or emit its JSON Schema')
    .option('--print', 'print a full commented example cluster.yml')
    .action(act(async () => (await import('../actions/config-print.js')).configPrint));
  config
    .command('validate')
    .description('check cluster.yml and report every problem with file:line:col')
    .action(act(async () => (await import('../actions/config-validate.js')).configValidate));
  config
    .command('schema')
    .description('print the JSON Schema of cluster.yml (for yaml-language-server)')
    .action(act(async () => (await import('../actions/config-schema.js')).configSchema));

  const util = program.command('util').description('recovery tools');
  util
    .command('get-kubeconfig')
    .description('rebuild kube_config_<cluster>.yml from the state drover keeps')
    .action(act(async () => (await import('../actions/util-get-kubeconfig.js')).utilGetKubeconfig));
  util
    .command('get-state')
    .description('rebuild the local state from the copy kept in the cluster')
    .action(act(async () => (await import('../actions/util-get-state.js')).utilGetState));

  program
    .command('diagnose')
    .description('collect a redacted support bundle')
    .option('--out <file>', 'bundle file')
    .action(notYet('diagnose'));

  const lab = program.command('lab').description('local throw-away nodes (Linux, root)');
  lab
    .command('up')
    .description('start lab nodes with their own sshd and dockerd and write a cluster.yml for them')
    .option('--nodes <n>', 'number of nodes', '3')
    .option('--name <name>', 'lab name', 'drover')
    .option('--dir <dir>', 'where to write cluster.yml, the SSH key and known_hosts (default ~/.drover-lab/<name>)')
    .option('--layout <layout>', 'all-roles, or 1cp (one control plane + etcd, the rest workers)', 'all-roles')
    .action(act(async () => (await import('../actions/lab-up.js')).labUpAction));
  lab
    .command('down')
    .description('stop the lab nodes and remove everything they left')
    .option('--name <name>', 'lab name', 'drover')
    .action(act(async () => (await import('../actions/lab-down.js')).labDownAction));
  lab
    .command('status')
    .description('show the lab nodes')
    .option('--name <name>', 'lab name', 'drover')
    .action(act(async () => (await import('../actions/lab-status.js')).labStatusAction));

  program
    .command('version')
    .description('versions of drover and the default Kubernetes and system images')
    .action(act(async () => (await import('../actions/version.js')).version));

  return program;
}
