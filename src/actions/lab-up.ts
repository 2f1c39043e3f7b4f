import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { parseLayout, parseNodeCount, validateLabName } from '../lab/layout.js';
import { labDirFiles } from '../lab/paths.js';

export interface LabUpOptions {
  nodes: string;
  name: string;
  dir?: string;
  layout: string;
}

/** `drover lab up`: prints DIR on stdout (so `DIR=$(drover lab up)` works), progress on stderr. */
export async function labUpAction(opts: LabUpOptions, io: IoHost): Promise<ExitCode> {
  const request = {
    name: validateLabName(opts.name),
    nodes: parseNodeCount(opts.nodes),
    layout: parseLayout(opts.layout),
    cwd: io.cwd,
    env: io.env,
    ...(io.quiet ? {} : { progress: (line: string) => io.stderr.write(`lab: ${line}\n`) }),
    ...(opts.dir ? { dir: opts.dir } : {}),
  };
  const { labUp } = await import('../lab/lab.js');
  const { state, outcome, started } = await labUp(request);
  const files = labDirFiles(state.dir);
  if (io.output === 'json') {
    const nodes = state.nodes.map((n) => ({ hostname: n.hostname, address: n.address, roles: n.roles }));
    io.stdout.write(JSON.stringify({ type: 'lab-up', name: state.name, outcome, started, dir: state.dir, ...files, subnet: state.network.subnet, nodes }) + '\n');
    return ExitCode.Ok;
  }
  if (!io.quiet) {
    const what = { created: 'created', running: 'already running', repaired: `repaired (started ${started.join(', ')})` }[outcome];
    io.stderr.write(`lab "${state.name}": ${state.nodes.length} node(s) on ${state.network.subnet} ${what}\n`);
    for (const n of state.nodes) io.stderr.write(`  ${n.hostname.padEnd(20)} ${n.address.padEnd(14)} ${n.roles.join(',')}\n`);
    io.stderr.write(`next: drover up --config ${files.clusterYml}\n`);
  }
  io.stdout.write(state.dir + '\n');
  return ExitCode.Ok;
}
