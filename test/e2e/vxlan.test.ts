import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadClusterModel } from '../../src/config/index.js';
import { DroverError } from '../../src/errors.js';
import { execute } from '../../src/executor/index.js';
import type { ClusterModel, ClusterNode } from '../../src/model/cluster.js';
import { CNI_CONFIG_PATH } from '../../src/network/cni-config.js';
import { assignPodSubnets } from '../../src/network/pod-subnets.js';
import { vxlanNodeConfigs } from '../../src/network/vxlan-config.js';
import { SshNetworkOps } from '../../src/ops/ssh-network-ops.js';
import { planVxlan } from '../../src/plan/network-vxlan.js';
import { openTransport, type NodeTransport } from '../../src/transport/session.js';
import { describeLab, startLab, type LabHandle } from './lab-fixture.js';

/**
 * The built-in vxlan overlay on 3 real lab nodes (each its own network namespace with Docker's
 * FORWARD policy DROP): drover's tasks through SshNetworkOps converge the nodes, traffic between
 * nodes' pod ranges crosses the VXLAN device (pods made by Debian's CNI bridge + host-local
 * plugins from drover's conflist reach each other through FORWARD; cni0 gateways answer over SSH), a re-run changes nothing,
 * dropping a node changes only the peers' entries for it, and removeVxlan leaves each node's
 * links, routes and rules as they were.
 */
describeLab('vxlan overlay on lab nodes', () => {
  let lab: LabHandle;
  let model: ClusterModel;
  let t: NodeTransport;
  let ops: SshNetworkOps;
  let subnets: Record<string, string>;
  const before: string[] = [];
  const pods: { pid: number; ip: string }[] = [];

  const node = (i: number): ClusterNode => model.nodes[i]!;
  const run = async (i: number, cmd: string) => {
    const r = await lab.exec(i, cmd);
    if (r.code !== 0) throw new Error(`node ${i}: ${cmd} → exit ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  /** What removeVxlan must give back: link names, main routes, filter and nat rules. */
  const networkListing = (i: number) =>
    run(i, "ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; echo --; ip -4 route show; echo --; iptables -w 5 -S; echo --; iptables -w 5 -t nat -S");
  const subnetIp = (address: string, host: number) => subnets[address]!.replace(/\.0\/\d+$/, `.${host}`);
  const vxlanPackets = async (i: number) => {
    const stats = JSON.parse(await run(i, 'ip -s -j link show dev drover.vxlan'))[0].stats64;
    return { tx: stats.tx.packets as number, rx: stats.rx.packets as number };
  };
  const ping = async (from: number, ip: string) => (await t.host(node(from)).exec(`busybox ping -c 1 -W 3 ${ip}`)).code;

  beforeAll(async () => {
    lab = await startLab({ name: 'e2e-vxlan', nodes: 3 });
    const passwordFile = join(lab.dir, 'registry-password');
    const env = { ...process.env, ...(existsSync(passwordFile) ? { DROVER_LAB_REGISTRY_PASSWORD: readFileSync(passwordFile, 'utf8').trim() } : {}) };
    ({ model } = await loadClusterModel(lab.clusterYmlPath, env));
    model = { ...model, network: { ...model.network, plugin: 'vxlan' } };
    t = await openTransport(model, env);
    ops = new SshNetworkOps(t);
    for (let i = 0; i < 3; i++) before.push(await networkListing(i));
    subnets = assignPodSubnets(model.network.clusterCidr, model.nodes);
  });
  afterAll(async () => {
    for (const [i, pod] of pods.entries()) await lab?.exec(i, `kill ${pod.pid}`).catch(() => undefined);
    await t?.close();
    await lab?.stop();
  });

  it('plans a device, two peers and the rules per node, then converges all three', async () => {
    const tasks = planVxlan({ model, subnets, ops });
    const dry = await execute({ tasks }, { dryRun: true });
    const first = dry.plan.find((p) => p.id === `network/vxlan@${node(0).address}`)!.changes.map((c) => `${c.action} ${c.subject}`);
    expect(first.filter((c) => c.startsWith('create overlay peer'))).toEqual([
      `create overlay peer ${node(1).address}: ${subnets[node(1).address]}`,
      `create overlay peer ${node(2).address}: ${subnets[node(2).address]}`,
    ]);
    expect(first[0]).toMatch(/^create vxlan device drover\.vxlan/);
    expect(dry.plan.find((p) => p.id === `network/cni-config@${node(0).address}`)!.changes).toEqual([{ action: 'create', subject: `${CNI_CONFIG_PATH} (644)` }]);
    expect(await run(0, 'ip link show dev drover.vxlan 2>&1 || true')).toMatch(/does not exist/);

    const result = await execute({ tasks });
    expect(result.failed).toEqual([]);
    expect(result.ok).toBe(true);
    const conf = JSON.parse(await run(1, `cat ${CNI_CONFIG_PATH}`));
    expect(conf.plugins[0].ipam.ranges[0][0].subnet).toBe(subnets[node(1).address]);
    expect(await run(0, 'iptables -w 5 -S FORWARD')).toContain(`-A FORWARD -s ${model.network.clusterCidr} -m comment --comment drover-vxlan -j ACCEPT`);
    expect(await run(0, 'iptables -w 5 -S FORWARD | head -1')).toBe('-P FORWARD DROP');
  });

  /** CNI ADD/DEL of one plugin of drover's conflist on node i, as kubelet would run it (Debian's plugins). */
  const cni = async (i: number, command: 'ADD' | 'DEL', pid: number) => {
    const conflist = JSON.parse(await run(i, `cat ${CNI_CONFIG_PATH}`));
    const conf = { cniVersion: conflist.cniVersion, name: conflist.name, ...conflist.plugins[0] };
    const env = `CNI_COMMAND=${command} CNI_CONTAINERID=vxlan-e2e-${i} CNI_NETNS=/proc/${pid}/ns/net CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni`;
    const r = await lab.exec(i, `${env} /usr/lib/cni/${conf.type}`, { input: JSON.stringify(conf) });
    if (r.code !== 0) throw new Error(`CNI ${command} on node ${i}: ${r.stdout} ${r.stderr}`);
    return r.stdout;
  };

  it('pods made by the CNI bridge plugin from drover\'s conflist reach each other across nodes, and gateways answer over SSH', async () => {
    for (let i = 0; i < 3; i++) {
      const pid = Number(await run(i, 'unshare -n sleep 600 >/dev/null 2>&1 & echo $!'));
      pods.push({ pid, ip: '' });
      const result = JSON.parse(await cni(i, 'ADD', pid));
      // host-local hands out the node's subnet; the bridge plugin made cni0 the gateway (.1).
      expect(result.ips[0]).toMatchObject({ gateway: subnetIp(node(i).address, 1) });
      pods[i]!.ip = String(result.ips[0].address).split('/')[0]!;
      expect(pods[i]!.ip.startsWith(subnetIp(node(i).address, 0).replace(/0$/, ''))).toBe(true);
      expect(await run(i, 'cat /sys/class/net/cni0/mtu')).toBe('1450');
    }
    const packets = await Promise.all([0, 1, 2].map(vxlanPackets));
    for (let from = 0; from < 3; from++) {
      for (let to = 0; to < 3; to++) {
        if (from === to) continue;
        expect(await ping(from, subnetIp(node(to).address, 1)), `node ${from} → gateway of node ${to}`).toBe(0);
        const pod = await lab.exec(from, `nsenter -t ${pods[from]!.pid} -n busybox ping -c 1 -W 3 ${pods[to]!.ip}`);
        expect(pod.code, `pod on node ${from} → pod on node ${to}: ${pod.stdout} ${pod.stderr}`).toBe(0);
      }
    }
    const after = await Promise.all([0, 1, 2].map(vxlanPackets));
    for (let i = 0; i < 3; i++) {
      expect(after[i]!.tx - packets[i]!.tx).toBeGreaterThanOrEqual(8);
      expect(after[i]!.rx - packets[i]!.rx).toBeGreaterThanOrEqual(8);
    }
    // Without drover's FORWARD rules Docker's DROP policy stops pod traffic: the rules are what carries it.
    await run(0, `iptables -w 5 -D FORWARD -s ${model.network.clusterCidr} -m comment --comment drover-vxlan -j ACCEPT && iptables -w 5 -D FORWARD -d ${model.network.clusterCidr} -m comment --comment drover-vxlan -j ACCEPT`);
    expect((await lab.exec(0, `nsenter -t ${pods[0]!.pid} -n busybox ping -c 1 -W 2 ${pods[1]!.ip}`)).code).not.toBe(0);
    expect(await ops.ensureVxlan(node(0), planConfig(0))).toBe('changed');
    expect((await lab.exec(0, `nsenter -t ${pods[0]!.pid} -n busybox ping -c 1 -W 3 ${pods[1]!.ip}`)).code).toBe(0);
  });

  /** The config `planVxlan` gives node i's task (what `drover up` would use). */
  const planConfig = (i: number) => vxlanNodeConfigs(model, model.nodes, subnets).get(node(i).address)!;

  it('a second run changes nothing on any node', async () => {
    const tasks = planVxlan({ model, subnets, ops });
    const dry = await execute({ tasks }, { dryRun: true });
    expect(dry.plan.flatMap((p) => p.changes)).toEqual([]);
    for (let i = 0; i < 3; i++) expect(await ops.ensureVxlan(node(i), planConfig(i))).toBe('unchanged');
  });

  it('a change the kernel refuses fails with its error and what is left to do, and touches nothing', async () => {
    const err = await ops.ensureVxlan(node(0), { ...planConfig(0), mtu: 70_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DroverError);
    expect((err as DroverError).message).toMatch(new RegExp(`vxlan overlay on ${node(0).address.replace(/\./g, '\\.')} failed: .*mtu`, 'i'));
    expect((err as DroverError).hint).toMatch(/still to do: update vxlan device drover\.vxlan/);
    expect(await ops.ensureVxlan(node(0), planConfig(0))).toBe('unchanged');
  });

  it('dropping a node from the model: the remaining peers lose only its entries and still talk', async () => {
    const entries = async (i: number) =>
      (await run(i, 'bridge fdb show dev drover.vxlan; ip neigh show dev drover.vxlan; ip route show dev drover.vxlan')).split('\n').map((l) => l.trim());
    const gone = node(2);
    const was = await Promise.all([0, 1].map(entries));
    const smaller = { ...model, nodes: model.nodes.slice(0, 2) };
    const kept = assignPodSubnets(smaller.network.clusterCidr, smaller.nodes, subnets);
    expect(kept).toEqual({ [node(0).address]: subnets[node(0).address], [node(1).address]: subnets[node(1).address] });
    const tasks = planVxlan({ model: smaller, subnets: kept, previousNodes: model.nodes, ops });
    const dry = await execute({ tasks }, { dryRun: true });
    expect(dry.plan.find((p) => p.id === `network/vxlan@${node(0).address}`)!.changes).toEqual([{ action: 'delete', subject: `overlay peer ${gone.internalAddress}: ${subnets[gone.address]}` }]);
    expect((await execute({ tasks })).ok).toBe(true);
    for (const i of [0, 1]) {
      const now = await entries(i);
      const expected = was[i]!.filter((l) => !l.includes(subnets[gone.address]!.replace(/\/\d+$/, '')) && !l.includes(gone.internalAddress));
      expect(now).toEqual(expected);
      expect(now.length).toBe(was[i]!.length - 3);
    }
    expect((await lab.exec(0, `nsenter -t ${pods[0]!.pid} -n busybox ping -c 1 -W 3 ${pods[1]!.ip}`)).code).toBe(0);
  });

  it('removeVxlan leaves every node as it was found, and can run twice', async () => {
    for (const [i, pod] of pods.entries()) {
      await cni(i, 'DEL', pod.pid);
      await run(i, `kill ${pod.pid}; while kill -0 ${pod.pid} 2>/dev/null; do sleep 0.05; done`);
    }
    pods.length = 0;
    for (let i = 0; i < 3; i++) {
      const planned = (await ops.vxlanRemovalDiff(node(i))).map((c) => c.subject);
      expect(planned.slice(0, 2)).toEqual(['vxlan device drover.vxlan with its routes, neighbours and forwarding entries', 'bridge cni0']);
      expect(planned.filter((s) => s.includes('--comment drover-vxlan'))).toHaveLength(3);
      expect(planned.at(-1)).toBe(CNI_CONFIG_PATH);
      await ops.removeVxlan(node(i));
      expect(await ops.vxlanRemovalDiff(node(i))).toEqual([]);
      await ops.removeVxlan(node(i));
      expect(await networkListing(i)).toBe(before[i]);
      expect(await run(i, `test -e ${CNI_CONFIG_PATH} && echo present || echo gone`)).toBe('gone');
    }
  });
});
