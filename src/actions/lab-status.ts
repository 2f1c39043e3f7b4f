import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { validateLabName } from '../lab/layout.js';

/** `drover lab status`: a table (or JSON); exit 1 when the lab is missing or a node is unhealthy. */
export async function labStatusAction(opts: { name: string }, io: IoHost): Promise<ExitCode> {
  const name = validateLabName(opts.name);
  const { labStatus } = await import('../lab/lab.js');
  const status = await labStatus(name);
  if (io.output === 'json') {
    const body = status
      ? {
          running: true, healthy: status.healthy, dir: status.state.dir, subnet: status.state.network.subnet,
          bridge: status.state.network.bridge,
          nodes: status.nodes.map((n) => ({ hostname: n.hostname, address: n.address, roles: n.roles, pid: n.init?.pid ?? null, ...n.health })),
        }
      : { running: false, healthy: false, nodes: [] };
    io.stdout.write(JSON.stringify({ type: 'lab-status', name, ...body }) + '\n');
    return status?.healthy ? ExitCode.Ok : ExitCode.Failed;
  }
  if (!status) {
    io.stdout.write(`lab "${name}" is not running\n`);
    return ExitCode.Failed;
  }
  const yes = (b: boolean) => (b ? 'up' : 'DOWN');
  const rows = [
    ['NODE', 'ADDRESS', 'ROLES', 'PID', 'SSH', 'DOCKER'],
    ...status.nodes.map((n) => [n.hostname, n.address, n.roles.join(','), String(n.init?.pid ?? '-'), yes(n.health.ssh), yes(n.health.docker)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  io.stdout.write(`lab "${name}" on ${status.state.network.subnet} (${status.state.network.bridge}), files in ${status.state.dir}\n`);
  for (const r of rows) io.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
  return status.healthy ? ExitCode.Ok : ExitCode.Failed;
}
