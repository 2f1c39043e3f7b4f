import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeLab, startLab, type LabHandle } from './lab-fixture.js';
import { hostsWithChanges, kubeLab, podsManifest, type KubeLab } from './kube-cluster-helpers.js';

/**
 * Real Kubernetes v1.20.2 on lab nodes, layout "1 control plane + etcd, workers": `drover up`
 * from nothing, pods on two nodes talking over the vxlan overlay, a ClusterIP Service through
 * kube-proxy, kubectl logs and exec, a no-op re-run, then adding and removing a worker.
 * The lab has 4 nodes; the cluster starts with the first 3.
 */
describeLab('Kubernetes: 1 control plane + 2 workers', () => {
  let lab: LabHandle;
  let k: KubeLab;
  const name = (i: number) => lab.nodes[i]!.hostname;

  beforeAll(async () => {
    lab = await startLab({ name: 'e2e-k8s-1cp', nodes: 4, layout: '1cp' });
    k = kubeLab(lab);
    k.useNodes([0, 1, 2]);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('drover up brings every node Ready and writes the admin kubeconfig', async () => {
    const r = await k.drover(['up']);
    expect(r.code, r.failures).toBe(0);
    expect(existsSync(k.kubeconfig)).toBe(true);
    const nodes = await k.kubectl("get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}'");
    expect(nodes.stdout.split('\n').sort()).toEqual([0, 1, 2].map((i) => `${name(i)} True`).sort());
    // RKE's role labels, and the control plane (no worker role) keeps workloads off.
    const cp = JSON.parse((await k.kubectl(`get node ${name(0)} -o json`)).stdout) as { metadata: { labels: Record<string, string> }; spec: { taints?: { key: string; effect: string }[] } };
    expect(cp.metadata.labels['node-role.kubernetes.io/controlplane']).toBe('true');
    expect(cp.spec.taints?.map((t) => `${t.key}:${t.effect}`)).toContain('node-role.kubernetes.io/controlplane:NoSchedule');
  });

  it('pods on two nodes reach each other over the overlay, and a ClusterIP Service through kube-proxy', async () => {
    const apply = await k.kubectl('apply -f -', { input: podsManifest(k.testImage, name(1), name(2)) });
    expect(apply.code, apply.stderr).toBe(0);
    const wait = await k.kubectl('wait --for=condition=Ready pod/server pod/client --timeout=120s');
    expect(wait.code, wait.stderr).toBe(0);
    const ip = (await k.kubectl("get pod server -o jsonpath='{.status.podIP}'")).stdout;
    const direct = await k.kubectl(`exec client -- timeout 5 wget -qO- http://${ip}:8080/`);
    expect(direct.stdout, direct.stderr).toBe(`hello-from-${name(1)}`);
    const clusterIp = (await k.kubectl("get svc server -o jsonpath='{.spec.clusterIP}'")).stdout;
    const viaService = await k.kubectl(`exec client -- timeout 5 wget -qO- http://${clusterIp}/`);
    expect(viaService.stdout, viaService.stderr).toBe(`hello-from-${name(1)}`);
    expect((await k.kubectl('logs server')).stdout).toContain('serving');
  });

  it('a second drover up changes nothing on any node', async () => {
    const before = await Promise.all([0, 1, 2].map((i) => k.containerStarts(i)));
    const plan = await k.drover(['plan']);
    expect(plan.code, plan.failures).toBe(0);
    expect(hostsWithChanges(plan.events)).toEqual({});
    const r = await k.drover(['up']);
    expect(r.code, r.failures).toBe(0);
    expect(await Promise.all([0, 1, 2].map((i) => k.containerStarts(i)))).toEqual(before);
  });

  it('drover cert rotate: new certificates everywhere, the containers that read them replaced, the cluster keeps serving', async () => {
    const served = async () => (await lab.exec(0, `echo | openssl s_client -connect ${lab.nodes[0]!.address}:6443 2>/dev/null | openssl x509 -noout -fingerprint -sha256`)).stdout;
    const ids = async (i: number) => (await lab.exec(i, "docker ps --filter label=io.drover.managed=true --format '{{.Names}} {{.ID}}' | sort")).stdout;
    const servedBefore = await served();
    expect(servedBefore).toMatch(/Fingerprint=/);
    const idsBefore = await Promise.all([0, 1, 2].map(ids));
    const certBefore = (await lab.exec(1, 'sha256sum /etc/kubernetes/ssl/kube-node.pem')).stdout;

    expect((await k.drover(['cert', 'rotate', '--rotate-ca'])).code).toBe(2);
    const r = await k.drover(['cert', 'rotate']);
    expect(r.code, r.failures).toBe(0);

    // The API server serves its new certificate, the kubelets use theirs, and every container
    // that reads a certificate was replaced (nginx-proxy reads none, so it stayed).
    expect(await served()).not.toBe(servedBefore);
    expect((await lab.exec(1, 'sha256sum /etc/kubernetes/ssl/kube-node.pem')).stdout).not.toBe(certBefore);
    const idsAfter = await Promise.all([0, 1, 2].map(ids));
    const replaced = (before: string, after: string) => {
      const old = new Map(before.split('\n').map((l) => l.split(' ') as [string, string]));
      return after.split('\n').map((l) => l.split(' ') as [string, string]).filter(([n, id]) => old.get(n) !== id).map(([n]) => n).sort();
    };
    expect(replaced(idsBefore[0]!, idsAfter[0]!)).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-proxy', 'kube-scheduler', 'kubelet']);
    for (const i of [1, 2]) expect(replaced(idsBefore[i]!, idsAfter[i]!)).toEqual(['kube-proxy', 'kubelet']);

    // The new admin kubeconfig works, every node is Ready, and the pods kept serving.
    const nodes = await k.kubectl("get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}'");
    expect(nodes.stdout.split('\n')).toEqual(['True', 'True', 'True']);
    const clusterIp = (await k.kubectl("get svc server -o jsonpath='{.spec.clusterIP}'")).stdout;
    const viaService = await k.kubectl(`exec client -- timeout 5 wget -qO- http://${clusterIp}/`);
    expect(viaService.stdout, viaService.stderr).toBe(`hello-from-${name(1)}`);
    // And the next run has nothing left to do.
    expect(hostsWithChanges((await k.drover(['plan'])).events)).toEqual({});
  });

  it('adding a worker touches only that node and the overlay peers', async () => {
    const before = await Promise.all([0, 1, 2].map((i) => k.containerStarts(i)));
    k.useNodes([0, 1, 2, 3]);
    const plan = await k.drover(['plan']);
    expect(plan.code, plan.failures).toBe(0);
    const changed = hostsWithChanges(plan.events);
    for (const i of [0, 1, 2]) {
      for (const id of changed[lab.nodes[i]!.address] ?? []) expect(id).toMatch(/^network\/vxlan@/);
    }
    expect(changed[lab.nodes[3]!.address]?.length ?? 0).toBeGreaterThan(0);
    const r = await k.drover(['up']);
    expect(r.code, r.failures).toBe(0);
    expect(await Promise.all([0, 1, 2].map((i) => k.containerStarts(i)))).toEqual(before);
    const ready = await k.kubectl(`get node ${name(3)} -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'`);
    expect(ready.stdout).toBe('True');
    // The new node's pods reach the others' over the overlay.
    await k.kubectl('apply -f -', { input: podsManifest(k.testImage, name(1), name(3), '-new') });
    expect((await k.kubectl('wait --for=condition=Ready pod/client-new pod/server-new --timeout=120s')).code).toBe(0);
    const ip = (await k.kubectl("get pod server -o jsonpath='{.status.podIP}'")).stdout;
    expect((await k.kubectl(`exec client-new -- timeout 5 wget -qO- http://${ip}:8080/`)).stdout).toBe(`hello-from-${name(1)}`);
  });

  it('removing a worker drains and deletes its Node and cleans the host', async () => {
    k.useNodes([0, 1, 2]);
    const r = await k.drover(['up']);
    expect(r.code, r.failures).toBe(0);
    const gone = await k.kubectl(`get node ${name(3)}`);
    expect(gone.stderr).toMatch(/not found/i);
    expect((await lab.exec(3, 'docker ps -a -q | wc -l')).stdout).toBe('0');
    expect((await lab.exec(3, 'ip -o link show drover.vxlan 2>/dev/null | wc -l')).stdout).toBe('0');
    expect((await lab.exec(3, 'ls -A /etc/kubernetes /var/lib/kubelet 2>/dev/null | grep -v : | grep -c . || true')).stdout).toBe('0');
    // The peers dropped their route to the removed node's pod subnet; pods on the others still talk.
    const routes = (await lab.exec(1, 'ip route show dev drover.vxlan')).stdout;
    expect(routes.split('\n').filter(Boolean)).toHaveLength(2);
    const ip = (await k.kubectl("get pod server -o jsonpath='{.status.podIP}'")).stdout;
    expect((await k.kubectl(`exec client -- timeout 5 wget -qO- http://${ip}:8080/`)).stdout).toBe(`hello-from-${name(1)}`);
  });
});
