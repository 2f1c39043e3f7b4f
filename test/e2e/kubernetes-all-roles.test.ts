import { readFileSync, writeFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeLab, startLab, type LabHandle } from './lab-fixture.js';
import { kubeLab, podsManifest, type KubeLab } from './kube-cluster-helpers.js';

/**
 * Real Kubernetes v1.20.2 on 3 lab nodes that each carry every role (3 etcd members, 3
 * apiservers, every kubelet talking to its own): all Ready, pods across nodes, exec and logs,
 * secrets encrypted at rest and the audit log on, then `drover remove` leaves the nodes as they
 * were found.
 */
describeLab('Kubernetes: 3 nodes with every role', () => {
  let lab: LabHandle;
  let k: KubeLab;
  let before: string[];
  const name = (i: number) => lab.nodes[i]!.hostname;
  const listing = (i: number) =>
    lab.exec(i, 'docker ps -a --format "{{.Names}}"; ip -o link | cut -d: -f2 | sort; for d in /etc/kubernetes /var/lib/etcd /var/lib/kubelet /etc/cni/net.d /opt/drover; do echo "$d: $(ls -A $d 2>&1)"; done').then((r) => r.stdout);

  beforeAll(async () => {
    lab = await startLab({ name: 'e2e-k8s-all', nodes: 3, layout: 'all-roles' });
    k = kubeLab(lab);
    before = await Promise.all([0, 1, 2].map(listing));
    const doc = yaml.load(readFileSync(lab.clusterYmlPath, 'utf8')) as { services: Record<string, unknown> };
    doc.services['kube-api'] = { secrets_encryption_config: { enabled: true }, audit_log: { enabled: true } };
    writeFileSync(lab.clusterYmlPath, yaml.dump(doc, { lineWidth: -1 }));
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('drover up brings all 3 nodes Ready, each running the whole control plane', async () => {
    const r = await k.drover(['up']);
    expect(r.code, r.failures).toBe(0);
    const ready = await k.kubectl("get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}'");
    expect(ready.stdout.split('\n')).toEqual(['True', 'True', 'True']);
    for (const i of [0, 1, 2]) {
      const names = (await lab.exec(i, "docker ps --format '{{.Names}}' --filter label=io.drover.managed=true | sort")).stdout.split('\n');
      expect(names).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-proxy', 'kube-scheduler', 'kubelet']);
    }
  });

  it('pods on two nodes talk over the overlay; Service, exec and logs work', async () => {
    expect((await k.kubectl('apply -f -', { input: podsManifest(k.testImage, name(0), name(2)) })).code).toBe(0);
    const wait = await k.kubectl('wait --for=condition=Ready pod/server pod/client --timeout=120s');
    expect(wait.code, wait.stderr).toBe(0);
    const ip = (await k.kubectl("get pod server -o jsonpath='{.status.podIP}'")).stdout;
    expect((await k.kubectl(`exec client -- timeout 5 wget -qO- http://${ip}:8080/`)).stdout).toBe(`hello-from-${name(0)}`);
    const clusterIp = (await k.kubectl("get svc server -o jsonpath='{.spec.clusterIP}'")).stdout;
    expect((await k.kubectl(`exec client -- timeout 5 wget -qO- http://${clusterIp}/`)).stdout).toBe(`hello-from-${name(0)}`);
    expect((await k.kubectl('logs server')).stdout).toContain('serving');
  });

  it('secrets are encrypted at rest in etcd, and the apiserver writes its audit log', async () => {
    expect((await k.kubectl('create secret generic drover-e2e --from-literal=k=plain-text-value')).code).toBe(0);
    const raw = await lab.exec(0, 'docker exec etcd etcdctl get /registry/secrets/default/drover-e2e --print-value-only | head -c 40');
    expect(raw.stdout).toContain('k8s:enc:aescbc:v1:drover-key-1');
    expect(raw.stdout).not.toContain('plain-text-value');
    expect((await lab.exec(0, 'test -s /var/log/kube-audit/audit-log.json && echo yes')).stdout).toBe('yes');
  });

  it('drover remove leaves every node as it was before the first up', async () => {
    const r = await k.drover(['remove', '--force']);
    expect(r.code, r.failures).toBe(0);
    expect(await Promise.all([0, 1, 2].map(listing))).toEqual(before);
  });
});
