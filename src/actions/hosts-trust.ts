import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { loadClusterModel } from '../config/index.js';
import { UsageError } from '../errors.js';
import type { SshEndpoint } from '../model/cluster.js';
import { appendKnownHostsLines, readKnownHostsFile } from '../transport/known-hosts-file.js';
import { fingerprintOfBlob, formatKnownHostLine, judgeHostKey, keyTypeOfBlob, knownHostName, type KnownHostEntry } from '../transport/known-hosts.js';
import { scanHostKey } from '../transport/host-key-scan.js';
import { SshPool } from '../transport/ssh-pool.js';

interface Seen {
  name: string;
  keyType: string;
  fingerprint: string;
  status: 'known' | 'unknown' | 'mismatch' | 'revoked';
  line: string;
}

/**
 * `drover hosts trust`: read each host key (bastion first, then the nodes through it), show the
 * fingerprints, and append the unknown ones to drover's known_hosts once confirmed. A key that
 * contradicts an existing entry is never replaced here: that needs a human (exit 4).
 */
export async function hostsTrust(opts: { config: string; yes?: boolean }, io: IoHost): Promise<ExitCode> {
  const { model } = await loadClusterModel(opts.config, io.env);
  const path = model.knownHostsPath;
  let entries = await readKnownHostsFile(path);
  const seen: Seen[] = [];
  let pool: SshPool | undefined;
  try {
    if (model.bastion) {
      const b = await look(model.bastion, entries);
      seen.push(b);
      report(io, b);
      if (b.status === 'unknown') {
        // Nodes are only reachable through the bastion, so it has to be trusted before them.
        if (!(await confirm(io, opts, [b], path))) return ExitCode.Failed;
        await appendKnownHostsLines(path, [b.line]);
        entries = await readKnownHostsFile(path);
      }
      if (b.status === 'unknown' || b.status === 'known') {
        pool = await SshPool.open({ knownHostsPath: path, configPath: opts.config, env: io.env, bastion: model.bastion });
      }
    }
    const targets = uniqueEndpoints(model.nodes);
    const nodes = await Promise.all(
      targets.map(async (t) => {
        try {
          return await look(t, entries, pool);
        } catch (err) {
          io.stderr.write(`error: ${(err as Error).message}\n`);
          return undefined;
        }
      }),
    );
    const unreachable = nodes.filter((n) => n === undefined).length;
    for (const n of nodes) if (n) (seen.push(n), report(io, n));
    const unknown = seen.filter((s, i) => s.status === 'unknown' && !(model.bastion && i === 0));
    if (unknown.length > 0) {
      if (!(await confirm(io, opts, unknown, path))) return ExitCode.Failed;
      await appendKnownHostsLines(path, unknown.map((u) => u.line));
      emit(io, { type: 'known-hosts-updated', path, added: unknown.length }, `added ${unknown.length} host key(s) to ${path}\n`);
    } else if (!seen.some((s) => s.status === 'mismatch' || s.status === 'revoked')) {
      emit(io, { type: 'known-hosts-updated', path, added: 0 }, `every host key is already in ${path}\n`);
    }
    if (seen.some((s) => s.status === 'mismatch' || s.status === 'revoked')) {
      io.stderr.write(`error: some host keys contradict ${path}; they were not changed\n  hint: if a machine was reinstalled, remove its line (ssh-keygen -R '<host>' -f ${path}) and run this again\n`);
      return ExitCode.HostVerification;
    }
    return unreachable > 0 ? ExitCode.Failed : ExitCode.Ok;
  } finally {
    await pool?.close();
  }
}

async function look(t: SshEndpoint, entries: KnownHostEntry[], pool?: SshPool): Promise<Seen> {
  const sock = pool ? await pool.tunnel(t) : undefined;
  const blob = await scanHostKey(t, sock ? { sock } : {});
  const name = knownHostName(t.address, t.port);
  const keyType = keyTypeOfBlob(blob);
  const verdict = judgeHostKey(entries, name, keyType, blob.toString('base64'));
  return { name, keyType, fingerprint: fingerprintOfBlob(blob), status: verdict.kind, line: formatKnownHostLine(name, blob) };
}

function uniqueEndpoints(list: SshEndpoint[]): SshEndpoint[] {
  const m = new Map<string, SshEndpoint>();
  for (const e of list) m.set(`${e.address}:${e.port}`, e);
  return [...m.values()];
}

function report(io: IoHost, s: Seen): void {
  const label = { known: 'already trusted', unknown: 'NEW', mismatch: 'MISMATCH (not changed)', revoked: 'REVOKED (not changed)' }[s.status];
  emit(io, { type: 'host-key', host: s.name, keyType: s.keyType, fingerprint: s.fingerprint, status: s.status }, `${s.name.padEnd(24)} ${s.keyType.padEnd(20)} ${s.fingerprint}  ${label}\n`);
}

function emit(io: IoHost, event: Record<string, unknown>, text: string): void {
  if (io.output === 'json') io.stdout.write(JSON.stringify(event) + '\n');
  else io.stdout.write(text);
}

async function confirm(io: IoHost, opts: { yes?: boolean }, keys: Seen[], path: string): Promise<boolean> {
  if (opts.yes) return true;
  if (!process.stdin.isTTY || !io.stdout.isTTY) {
    throw new UsageError(
      `refusing to trust ${keys.length} new host key(s) without confirmation (no terminal)`,
      'compare the fingerprints above with the machines (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on each), then run again with --yes',
    );
  }
  const { confirm: ask } = await import('@inquirer/prompts');
  const ok = await ask({ message: `Add ${keys.length} host key(s) above to ${path}?`, default: false });
  if (!ok) io.stderr.write('nothing was changed\n');
  return ok;
}
