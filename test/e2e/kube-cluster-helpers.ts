import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import yaml from 'js-yaml';
import type { LabHandle } from './lab-fixture.js';

/** What the Kubernetes end-to-end files share: drover and kubectl against one lab, and pod checks. */
const root = join(import.meta.dirname, '../..');
export const bin = join(root, 'bin/drover');

export interface DroverEvent {
  type: string;
  id?: string;
  changes?: { action: string; subject: string }[];
  [k: string]: unknown;
}

export interface KubeLab {
  env: NodeJS.ProcessEnv;
  kubeconfig: string;
  testImage: string;
  drover(args: string[]): Promise<{ code: number; events: DroverEvent[]; stderr: string; failures: string }>;
  kubectl(args: string, opts?: { input?: string }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Rewrite cluster.yml with the lab's nodes at these indexes (0-based), everything else as the lab wrote it. */
  useNodes(indexes: number[]): void;
  /**
   * Ids and creation times of the containers drover runs on a node, to prove they were left alone.
   * Not start times: Docker's restart policy restarts a controller that lost its leader lease on a
   * loaded machine, which is not drover touching it.
   */
  containerStarts(node: number): Promise<string>;
}

export function kubeLab(lab: LabHandle): KubeLab {
  const passwordFile = join(lab.dir, 'registry-password');
  const env = { ...process.env, CI: 'true', ...(existsSync(passwordFile) ? { DROVER_LAB_REGISTRY_PASSWORD: readFileSync(passwordFile, 'utf8').trim() } : {}) };
  const labJson = JSON.parse(readFileSync(lab.labJsonPath, 'utf8')) as { test_image: string; kubectl: string };
  const baseConfig = readFileSync(lab.clusterYmlPath, 'utf8');
  const kubeconfig = join(lab.dir, 'kube_config_cluster.yml');
  return {
    env,
    kubeconfig,
    testImage: labJson.test_image,
    async drover(args) {
      const r = await execa(process.execPath, [bin, ...args, '--config', lab.clusterYmlPath, '--output', 'json'], { env, reject: false, timeout: 600_000 });
      const events = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as DroverEvent);
      const failures = JSON.stringify(events.filter((e) => e.type === 'task-failed' || e.type === 'error')) + r.stderr;
      return { code: r.exitCode ?? -1, events, stderr: r.stderr, failures };
    },
    async kubectl(args, opts = {}) {
      const r = await execa('sh', ['-c', `${labJson.kubectl} --kubeconfig ${kubeconfig} --request-timeout=30s ${args}`], { reject: false, ...(opts.input ? { input: opts.input } : {}) });
      return { code: r.exitCode ?? -1, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
    },
    useNodes(indexes) {
      const doc = yaml.load(baseConfig) as { nodes: unknown[] };
      const all = doc.nodes;
      doc.nodes = indexes.map((i) => all[i]);
      writeFileSync(lab.clusterYmlPath, yaml.dump(doc, { lineWidth: -1 }));
    },
    async containerStarts(node) {
      const cmd = "docker ps --filter label=io.drover.managed=true --format '{{.Names}}' | sort | while read -r c; do echo \"$c $(docker inspect -f '{{.Id}} {{.Created}}' \"$c\")\"; done";
      return (await lab.exec(node, cmd)).stdout;
    },
  };
}

/** A pod serving a fixed text over HTTP on 8080 and a client pod, each pinned to a node, plus a Service. */
export function podsManifest(image: string, serverNode: string, clientNode: string, suffix = ''): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: server${suffix}, labels: {app: server${suffix}}}
spec:
  nodeName: ${serverNode}
  containers: [{name: c, image: ${image}, command: [sh, -c, "echo hello-from-${serverNode} > /tmp/index.html; echo serving; httpd -f -p 8080 -h /tmp"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: client${suffix}}
spec:
  nodeName: ${clientNode}
  containers: [{name: c, image: ${image}, command: [sleep, "3600"]}]
---
apiVersion: v1
kind: Service
metadata: {name: server${suffix}}
spec:
  selector: {app: server${suffix}}
  ports: [{port: 80, targetPort: 8080}]
`;
}

/** Nodes that ran a task that changed something, from a dry run's task-planned events. */
export function hostsWithChanges(events: DroverEvent[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of events) {
    if (e.type !== 'task-planned' || !e.changes?.length) continue;
    const host = (e['host'] as string | undefined) ?? '(cluster)';
    (out[host] ??= []).push(e.id!);
  }
  return out;
}
