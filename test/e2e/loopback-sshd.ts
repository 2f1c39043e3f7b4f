import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** A login user that exists only inside the sshd's private mount namespace. */
export interface LoopbackUser {
  name: string;
  uid: number;
  /** NOPASSWD sudo, sudo with this password, or no sudo at all. */
  sudo: 'nopasswd' | { password: string } | 'none';
}

/**
 * /etc/passwd, shadow, group and sudoers copies with the extra users, bound over the real ones
 * inside the sshd's mount namespace only: the machine's own files are never changed.
 */
function userFiles(dir: string, users: LoopbackUser[]): string {
  if (users.length === 0) return '';
  const read = (f: string) => readFileSync(f, 'utf8').replace(/\n?$/, '\n');
  const passwd = read('/etc/passwd') + users.map((u) => `${u.name}:x:${u.uid}:${u.uid}::${join(dir, 'home-' + u.name)}:/bin/sh`).join('\n') + '\n';
  const group = read('/etc/group') + users.map((u) => `${u.name}:x:${u.uid}:`).join('\n') + '\n';
  const shadow =
    read('/etc/shadow') +
    users
      .map((u) => {
        const hash = typeof u.sudo === 'object' ? execFileSync('openssl', ['passwd', '-6', u.sudo.password], { encoding: 'utf8' }).trim() : '*';
        return `${u.name}:${hash}:19000:0:99999:7:::`;
      })
      .join('\n') + '\n';
  const sudoers =
    'Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n' +
    users
      .filter((u) => u.sudo !== 'none')
      .map((u) => `${u.name} ALL=(ALL:ALL) ${u.sudo === 'nopasswd' ? 'NOPASSWD: ' : ''}ALL`)
      .join('\n') + '\n';
  const files = { passwd, group, shadow, sudoers };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, `etc-${name}`), content, { mode: name === 'passwd' || name === 'group' ? 0o644 : 0o440 });
  for (const u of users) {
    mkdirSync(join(dir, 'home-' + u.name), { mode: 0o755 });
    execFileSync('chown', [`${u.uid}:${u.uid}`, join(dir, 'home-' + u.name)]);
  }
  return Object.keys(files).map((name) => `mount --bind ${join(dir, `etc-${name}`)} /etc/${name}; `).join('');
}

export async function startLoopbackSshd(opts: { extraConfig?: string[]; clientKeyPath?: string; users?: LoopbackUser[] } = {}): Promise<LoopbackSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-sshd-'));
  // Other users log in too: they must be able to read authorized_keys (but no private key).
  chmodSync(dir, 0o755);
  const port = await freePort();
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_ed25519')]);
  let clientKeyPath = opts.clientKeyPath;
  if (!clientKeyPath) {
    clientKeyPath = join(dir, 'client_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKeyPath]);
  }
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(clientKeyPath + '.pub'), { mode: 0o644 });
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
  const script = `${userFiles(dir, opts.users ?? [])}mount --bind ${join(dir, 'empty_bashrc')} /root/.bashrc 2>/dev/null; exec ${SSHD} -D -e -f ${join(dir, 'sshd_config')}`;
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
