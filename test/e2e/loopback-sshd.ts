import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throw-away OpenSSH server on 127.0.0.1 with its own host key and authorized key, for
 * transport tests that need a real sshd but no lab node (bastion hops, refused forwarding).
 * It runs as root, so the session sees this machine's filesystem.
 */
export interface LoopbackSshd {
  dir: string;
  port: number;
  pid: number;
  clientKeyPath: string;
  /** Public host key line "ssh-ed25519 AAAA..." */
  hostPublicKey: string;
  /** known_hosts line for [127.0.0.1]:port */
  knownHostsLine: string;
  stop(): Promise<void>;
}

export const SSHD = '/usr/sbin/sshd';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('sshd did not listen');
}

export async function startLoopbackSshd(opts: { extraConfig?: string[]; clientKeyPath?: string } = {}): Promise<LoopbackSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-sshd-'));
  const port = await freePort();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_ed25519')]);
  let clientKeyPath = opts.clientKeyPath;
  if (!clientKeyPath) {
    clientKeyPath = join(dir, 'client_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKeyPath]);
  }
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(clientKeyPath + '.pub'), { mode: 0o600 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'Subsystem sftp internal-sftp',
    'LogLevel ERROR',
    ...(opts.extraConfig ?? []),
  ];
  writeFileSync(join(dir, 'sshd_config'), config.join('\n') + '\n');
  // This machine's /root/.bashrc runs `pyenv init` (1.5 s), and bash sources it for every SSH
  // command: hide it in a private mount namespace so the tests measure drover, not pyenv.
  writeFileSync(join(dir, 'empty_bashrc'), '');
  const script = `mount --bind ${join(dir, 'empty_bashrc')} /root/.bashrc 2>/dev/null; exec ${SSHD} -D -e -f ${join(dir, 'sshd_config')}`;
  const child = spawn('unshare', ['-m', 'sh', '-c', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  try {
    await waitForPort(port, child);
  } catch (err) {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}: ${log}`);
  }
  const hostPublicKey = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  return {
    dir,
    port,
    pid: child.pid ?? 0,
    clientKeyPath,
    hostPublicKey,
    knownHostsLine: `[127.0.0.1]:${port} ${hostPublicKey}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** PIDs of the sshd processes serving sessions (children of the listener), to kill one mid-run. */
export function sessionPids(listenerPid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([pid, ppid]) => ppid === listenerPid && pid !== undefined)
    .map(([pid]) => pid as number);
}
