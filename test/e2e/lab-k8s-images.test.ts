import { existsSync, readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { execa, execaSync } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KUBERNETES_BINARIES } from '../../src/lab/kubernetes-build.js';
import type { LabJson } from '../../src/lab/lab-settings.js';
import { parseImageReference } from '../../src/lab/oci-image.js';
import { manifestDigestOf, RegistrySession } from '../../src/lab/registry-push.js';
import { describeLab, startLab, type LabHandle } from './lab-fixture.js';

/**
 * The images a real Kubernetes cluster pulls on lab nodes, as `drover lab up` built and pushed
 * them: each one pulled by a node's own dockerd from the lab registry and run there — every
 * binary, the node tools kubelet and kube-proxy call, the entrypoint's sysctl mask and CNI copy,
 * nginx's stream proxy, busybox's applets, pause — and DIR/lab.json that names them.
 */

const NAME = 'e2e-labimg';
const SYSCTLS = ['vm/overcommit_memory', 'kernel/panic', 'kernel/panic_on_oops'];
const readSysctls = () => SYSCTLS.map((k) => readFileSync(`/proc/sys/${k}`, 'utf8').trim());

describeLab('lab images for real Kubernetes', { timeout: 300_000 }, () => {
  let lab: LabHandle;
  let info: LabJson;
  let docker = 'docker';
  let dockerConfig = '';
  const sh = (cmd: string, input?: string) => lab.exec(0, cmd, input === undefined ? {} : { input });
  const ok = async (cmd: string) => {
    const r = await sh(cmd);
    expect(r.code, `${cmd}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };

  beforeAll(async () => {
    lab = await startLab({ name: NAME, nodes: 1 });
    info = JSON.parse(readFileSync(lab.labJsonPath, 'utf8')) as LabJson;
    dockerConfig = (await sh('mktemp -d /tmp/drover-e2e-labimg-XXXXXX')).stdout;
    docker = `DOCKER_CONFIG=${dockerConfig} docker`;
    const password = readFileSync(info.registry_password_file, 'utf8').trim();
    const login = await sh(`${docker} login -u ${info.registry_user} --password-stdin ${info.registry}`, password + '\n');
    expect(login.code, login.stderr).toBe(0);
    const images = Object.values(info.images);
    const pull = await sh(images.map((i) => `${docker} pull -q ${i} >/dev/null`).join(' && '));
    expect(pull.code, pull.stderr).toBe(0);
  });

  afterAll(async () => {
    if (dockerConfig) await lab?.exec(0, `rm -rf ${dockerConfig}`);
    await lab?.stop();
  });

  it('writes DIR/lab.json naming the registry, every pushed image and a kubectl that runs', async () => {
    expect(Object.keys(info.images).sort()).toEqual(['busybox', 'etcd', 'kubernetes', 'nginx', 'pause']);
    for (const ref of Object.values(info.images)) expect(parseImageReference(ref).registry).toBe(info.registry);
    expect(info.images.kubernetes).toBe(`${info.registry}/drover-lab/kubernetes:v1.20.2`);
    expect(info.images.pause).toBe(`${info.registry}/drover-lab/pause:3.2`);
    expect(info.images.nginx).toBe(`${info.registry}/drover-lab/nginx:1.22`);
    expect(info.test_image).toBe(info.images.busybox);
    expect(info.kubernetes_version).toBe('v1.20.2');
    const kubectl = await execa(info.kubectl, ['version', '--client', '--short']);
    expect(kubectl.stdout.trim()).toBe('Client Version: v1.20.2');
    const doc = yaml.load(readFileSync(lab.clusterYmlPath, 'utf8')) as Record<string, Record<string, unknown>>;
    expect(doc['system_images']).toEqual({
      etcd: info.images.etcd, kubernetes: info.images.kubernetes, pod_infra_container: info.images.pause, nginx_proxy: info.images.nginx,
    });
  });

  it('the registry serves each image under its tag', async () => {
    const password = readFileSync(info.registry_password_file, 'utf8').trim();
    const session = new RegistrySession(`http://${info.registry}`, { username: info.registry_user, password });
    try {
      for (const ref of Object.values(info.images)) {
        const { repository, tag } = parseImageReference(ref);
        const digest = await manifestDigestOf(session, repository, tag);
        expect(digest, ref).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(await ok(`${docker} image inspect --format '{{index .RepoDigests 0}}' ${ref}`)).toBe(`${info.registry}/${repository}@${digest}`);
      }
    } finally {
      session.close();
    }
  });

  it('every Kubernetes binary in the image prints Kubernetes v1.20.2', async () => {
    // One container for all six (each is also run alone through the entrypoint in other tests).
    const loop = KUBERNETES_BINARIES.map((b) => `echo ${b}: $(${b} ${b === 'kubectl' ? 'version --client --short' : '--version'} 2>&1)`).join('; ');
    const out = await ok(`${docker} run --rm ${info.images.kubernetes} sh -c '${loop}'`);
    expect(out.split('\n')).toEqual(
      KUBERNETES_BINARIES.map((b) => `${b}: ${b === 'kubectl' ? 'Client Version: v1.20.2' : 'Kubernetes v1.20.2'}`),
    );
    expect(await ok(`${docker} run --rm ${info.images.kubernetes} kube-apiserver --version`)).toBe('Kubernetes v1.20.2');
    expect(await ok(`${docker} run --rm ${info.images.kubernetes} sh -c 'command -v kubelet'`)).toBe('/usr/local/bin/kubelet');
    // drover binds only the node's /run; kubelet dials /var/run/docker.sock.
    expect(await ok(`${docker} run --rm -v /run:/run ${info.images.kubernetes} sh -c 'readlink /var/run && test -S /var/run/docker.sock && echo sock'`)).toBe('/run\nsock');
  });

  it('iptables (nft, with extensions and save/restore), conntrack, ip, nsenter, socat and mount tools run', async () => {
    // Privileged in a network namespace of its own: the rules it writes vanish with the container.
    // Absolute paths: busybox sh runs its own applets (ip, nsenter, mount…) before PATH; kubelet and
    // kube-proxy exec through PATH, where the image's /usr/sbin and /usr/bin come before /bin.
    const script = [
      'set -e',
      'iptables --version',
      'iptables -N LABIMG',
      'iptables -A LABIMG -p tcp -m tcp --dport 1 -m comment --comment labimg-rule -j RETURN',
      'iptables-save -t filter | grep -c labimg-rule',
      'iptables-restore --version',
      'ip6tables -S >/dev/null && echo ip6tables-ok',
      '/usr/sbin/conntrack -L >/dev/null 2>&1 && echo conntrack-ok',
      '/usr/bin/ip -V',
      '/usr/bin/nsenter --version',
      '/usr/bin/socat -V | grep -m1 "socat version"',
      '/usr/bin/findmnt -n -o FSTYPE /proc',
      '/usr/bin/mount --version && /usr/bin/umount --version && /usr/bin/mountpoint /proc',
    ].join('\n');
    const out = await ok(`${docker} run --rm --privileged ${info.images.kubernetes} sh -c '${script.replace(/'/g, `'\\''`)}'`);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^iptables v1\.8\.\d+ \(nf_tables\)$/);
    expect(lines.slice(1)).toEqual([
      '1', expect.stringMatching(/^iptables-restore v1\.8\.\d+ \(nf_tables\)$/), 'ip6tables-ok', 'conntrack-ok',
      expect.stringMatching(/^ip utility, iproute2-/), expect.stringMatching(/^nsenter from util-linux/),
      expect.stringMatching(/^socat version 1\./), 'proc',
      expect.stringMatching(/^mount from util-linux/), expect.stringMatching(/^umount from util-linux/), '/proc is a mountpoint',
    ]);
    // What a Go binary's exec finds first on the image's PATH.
    for (const [tool, util] of [['nsenter', 'util-linux'], ['mount', 'util-linux'], ['ip', 'iproute2'], ['conntrack', 'conntrack']]) {
      expect(await ok(`${docker} run --rm ${info.images.kubernetes} ${tool} ${tool === 'ip' ? '-V' : '--version'}`), tool).toContain(util);
    }
  });

  it("masks kubelet's VM-wide sysctls inside a privileged container and never changes the machine's", async () => {
    const before = readSysctls();
    const files = SYSCTLS.map((k) => `/proc/sys/${k}`).join(' ');
    try {
      // A write as kubelet would do lands in the mask (guarded: only when the mask is mounted).
      const masked = await ok(
        `${docker} run --rm --privileged ${info.images.kubernetes} sh -c ` +
          `'grep -q " /proc/sys/vm/overcommit_memory " /proc/self/mountinfo && echo 1 >/proc/sys/vm/overcommit_memory; cat ${files}'`,
      );
      expect(masked.split('\n')).toEqual(['1', '10', '1']);
      expect(readSysctls()).toEqual(before);
      // Unprivileged, nothing can be mounted: the command still runs and sees the machine's values.
      const plain = await ok(`${docker} run --rm ${info.images.kubernetes} cat ${files}`);
      expect(plain.split('\n')).toEqual(before);
    } finally {
      const after = readSysctls();
      // Should the mask ever leak, put the machine back as it was (its sysctls are shared by every lab).
      SYSCTLS.forEach((k, i) => {
        if (after[i] !== before[i]) execaSync('sh', ['-c', `echo ${before[i]} > /proc/sys/${k}`]);
      });
    }
  });

  it('kubelet copies the bundled CNI plugins into a mounted /opt/cni/bin; other commands leave it alone', async () => {
    const dir = await ok('mktemp -d /tmp/drover-e2e-labimg-cni-XXXXXX');
    try {
      await ok(`${docker} run --rm -v ${dir}:/opt/cni/bin ${info.images.kubernetes} kube-proxy --version`);
      expect(await ok(`ls -A ${dir}`)).toBe('');
      expect(await ok(`${docker} run --rm -v ${dir}:/opt/cni/bin ${info.images.kubernetes} kubelet --version`)).toBe('Kubernetes v1.20.2');
      const plugins = (await ok(`ls ${dir}`)).split('\n');
      expect(plugins).toEqual(expect.arrayContaining(['bridge', 'host-local', 'loopback', 'portmap']));
      expect(await ok(`cmp ${dir}/bridge /usr/lib/cni/bridge && test -x ${dir}/portmap && echo same`)).toBe('same');
      // A changed plugin is replaced; no temporary file is left behind.
      await ok(`echo stale > ${dir}/bridge && ${docker} run --rm -v ${dir}:/opt/cni/bin ${info.images.kubernetes} kubelet --version`);
      expect(await ok(`cmp ${dir}/bridge /usr/lib/cni/bridge && ls -A ${dir} | grep -c drover-new || true`)).toBe('0');
    } finally {
      await sh(`rm -rf ${dir}`);
    }
  });

  it("nginx runs a config whose first line includes modules-enabled and proxies a stream", async () => {
    const conf = await ok('mktemp -d /tmp/drover-e2e-labimg-nginx-XXXXXX');
    const nginxConf = [
      'include /etc/nginx/modules-enabled/*.conf;',
      'worker_processes 1;',
      'events { worker_connections 64; }',
      'stream {',
      '  upstream backend { server 127.0.0.1:18081; }',
      '  server { listen 127.0.0.1:18080; proxy_pass backend; }',
      '}',
      '',
    ].join('\n');
    try {
      await sh(`cat > ${conf}/nginx.conf`, nginxConf);
      await ok(`${docker} run -d --name labimg-nginx -v ${conf}/nginx.conf:/etc/nginx/nginx.conf:ro ${info.images.nginx} nginx -c /etc/nginx/nginx.conf -g 'daemon off;'`);
      const served = await ok(
        `${docker} exec labimg-nginx sh -c 'mkdir -p /www && echo stream-ok >/www/index.html && httpd -p 127.0.0.1:18081 -h /www && timeout 5 wget -qO- http://127.0.0.1:18080/'`,
      );
      expect(served).toBe('stream-ok');
      expect(await ok(`${docker} inspect --format '{{.State.Running}}' labimg-nginx`)).toBe('true');
      expect(await ok(`${docker} exec labimg-nginx ls -d /run /var/lib/nginx /var/log/nginx`)).toBe('/run\n/var/lib/nginx\n/var/log/nginx');
    } finally {
      await sh(`${docker} rm -f labimg-nginx; rm -rf ${conf}`);
    }
  });

  it('busybox for test pods has sh, nc, wget, httpd and sleep; pause runs as a sandbox', async () => {
    const applets = await ok(`${docker} run --rm ${info.test_image} sh -c 'for a in sh nc wget httpd sleep; do command -v $a >/dev/null && test -x /bin/$a && echo $a; done'`);
    expect(applets.split('\n')).toEqual(['sh', 'nc', 'wget', 'httpd', 'sleep']);
    // And they work: a one-shot HTTP server answers wget through nc-free loopback.
    const served = await ok(
      `${docker} run --rm ${info.test_image} sh -c 'mkdir /w && echo pod-ok >/w/index.html && httpd -p 127.0.0.1:8080 -h /w && sleep 0.2 && timeout 5 wget -qO- http://127.0.0.1:8080/'`,
    );
    expect(served).toBe('pod-ok');
    try {
      await ok(`${docker} run -d --name labimg-pause ${info.images.pause}`);
      expect(await ok(`${docker} inspect --format '{{.State.Running}} {{json .Config.Entrypoint}}' labimg-pause`)).toBe('true ["/pause"]');
    } finally {
      await sh(`${docker} rm -f labimg-pause`);
    }
  });

  it('lab down removes lab.json with the other files it wrote', async () => {
    const path = lab.labJsonPath;
    await ok(`rm -rf ${dockerConfig}`);
    dockerConfig = '';
    await lab.stop();
    expect(existsSync(path)).toBe(false);
    expect(existsSync(lab.clusterYmlPath)).toBe(false);
  });
});
