import { describe, expect, it } from 'vitest';
import { cniConflist } from '../../../src/network/cni-config.js';
import { assignPodSubnets } from '../../../src/network/pod-subnets.js';
import { vxlanMac, vxlanNodeConfigs, VXLAN_DEVICE } from '../../../src/network/vxlan-config.js';
import { network, node, nodes } from './helpers.js';

const configsFor = (list: ReturnType<typeof nodes>, net = network()) =>
  vxlanNodeConfigs({ network: net }, list, assignPodSubnets(net.clusterCidr, list));

describe('vxlan node config', () => {
  it('derives a stable locally administered unicast MAC per node address', () => {
    const mac = vxlanMac('10.250.0.11');
    expect(mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(parseInt(mac.slice(0, 2), 16) & 0b11).toBe(0b10);
    expect(vxlanMac('10.250.0.11')).toBe(mac);
    expect(vxlanMac('10.250.0.12')).not.toBe(mac);
  });

  it('one node: its device and subnet, no peers', () => {
    const cfg = configsFor([node('10.250.0.11', '192.168.0.11')]).get('10.250.0.11')!;
    expect(cfg).toMatchObject({ device: VXLAN_DEVICE, vni: 1, port: 8472, mtu: 1450, local: '192.168.0.11', subnet: '10.42.0.0/24', deviceAddress: '10.42.0.0', clusterCidr: '10.42.0.0/16', peers: [] });
    expect(cfg.device.length).toBeLessThanOrEqual(15);
  });

  it('three nodes: each has the other two as peers, routed via their .0 on their internal address', () => {
    const list = [node('10.250.0.11', '192.168.0.11'), node('10.250.0.12', '192.168.0.12'), node('10.250.0.13', '192.168.0.13')];
    const configs = configsFor(list);
    expect(configs.get('10.250.0.12')!.peers).toEqual([
      { address: '10.250.0.11', endpoint: '192.168.0.11', mac: vxlanMac('10.250.0.11'), subnet: '10.42.0.0/24', gateway: '10.42.0.0' },
      { address: '10.250.0.13', endpoint: '192.168.0.13', mac: vxlanMac('10.250.0.13'), subnet: '10.42.2.0/24', gateway: '10.42.2.0' },
    ]);
  });

  it('100 nodes: 99 peers each, all MACs and subnets distinct', () => {
    const configs = configsFor(nodes(100));
    expect(configs.size).toBe(100);
    for (const cfg of configs.values()) {
      expect(cfg.peers).toHaveLength(99);
      expect(cfg.peers.some((p) => p.address === cfg.address)).toBe(false);
    }
    expect(new Set([...configs.values()].map((c) => c.mac)).size).toBe(100);
    expect(new Set([...configs.values()].map((c) => c.subnet)).size).toBe(100);
  });

  it('takes VNI, port and MTU from network settings, and rejects nonsense', () => {
    const cfg = configsFor(nodes(1), network({ mtu: 9000, options: { vxlan_vni: '42', vxlan_port: '4789' } })).values().next().value!;
    expect(cfg).toMatchObject({ vni: 42, port: 4789, mtu: 8950 });
    expect(() => configsFor(nodes(1), network({ options: { vxlan_vni: '0' } }))).toThrow(/vxlan_vni must be a number from 1/);
    expect(() => configsFor(nodes(1), network({ mtu: 600 }))).toThrow(/leaves 550 bytes/);
  });

  it('CNI conflist: cni0 bridge as gateway with hairpin, no per-pod masquerade, host-local on the node subnet, portmap', () => {
    const conf = JSON.parse(cniConflist({ subnet: '10.42.3.0/24', mtu: 1450 }));
    expect(conf.cniVersion).toBe('0.3.1');
    expect(conf.plugins[0]).toEqual({
      type: 'bridge', bridge: 'cni0', isGateway: true, hairpinMode: true, ipMasq: false, mtu: 1450,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.42.3.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] },
    });
    expect(conf.plugins[1]).toEqual({ type: 'portmap', capabilities: { portMappings: true }, snat: true });
  });
});
