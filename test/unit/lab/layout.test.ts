import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadClusterModel } from '../../../src/config/index.js';
import { DroverError, UsageError } from '../../../src/errors.js';
import { clusterYml, knownHosts } from '../../../src/lab/cluster-files.js';
import { chooseSlot, labNetwork, labNodeSpecs, parseLayout, parseNodeCount, preferredSlot, validateLabName } from '../../../src/lab/layout.js';
import { forwardRules } from '../../../src/lab/host-network.js';
import { assertLabPrerequisites } from '../../../src/lab/prereqs.js';
import type { LabState } from '../../../src/lab/state.js';

const labName = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,22}[a-z0-9])?$/);

describe('lab layout', () => {
  it('the default lab owns 10.250.0.0/24 with the bridge on .1 and nodes from .11', () => {
    const net = labNetwork(preferredSlot('drover'));
    expect(net).toMatchObject({ subnet: '10.250.0.0/24', bridge: 'drlab0', bridgeAddress: '10.250.0.1', deadGateway: '10.250.0.254' });
    expect(labNodeSpecs('drover', 0, 3, 'all-roles').map((n) => [n.address, n.hostname])).toEqual([
      ['10.250.0.11', 'drover-node1'],
      ['10.250.0.12', 'drover-node2'],
      ['10.250.0.13', 'drover-node3'],
    ]);
  });

  it('other names hash to a stable slot in 1..254; a taken slot moves to the next free one', () => {
    fc.assert(
      fc.property(labName, (name) => {
        const slot = preferredSlot(name);
        expect(slot).toBe(preferredSlot(name));
        if (name !== 'drover') expect(slot).toBeGreaterThanOrEqual(1);
        expect(slot).toBeLessThanOrEqual(254);
        expect(chooseSlot(name, new Set([slot]))).toBe((slot + 1) % 255);
      }),
    );
    expect(() => chooseSlot('x', new Set(Array.from({ length: 255 }, (_, i) => i)))).toThrow(UsageError);
  });

  it('interface names fit the kernel limit and MACs are fixed, unicast and locally administered', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 254 }), fc.integer({ min: 1, max: 50 }), (slot, count) => {
        const net = labNetwork(slot);
        const nodes = labNodeSpecs('n', slot, count, 'all-roles');
        for (const ifname of [net.bridge, ...nodes.map((n) => n.hostVeth)]) expect(ifname.length).toBeLessThanOrEqual(15);
        const macs = [net.bridgeMac, ...nodes.flatMap((n) => [n.hostMac, n.nodeMac])];
        expect(new Set(macs).size).toBe(macs.length);
        for (const mac of macs) expect(parseInt(mac.slice(0, 2), 16) & 0b11).toBe(0b10);
      }),
    );
  });

  it('layouts: all-roles gives every node every role; 1cp one control plane + etcd and workers', () => {
    expect(labNodeSpecs('a', 5, 3, '1cp').map((n) => n.roles)).toEqual([['controlplane', 'etcd'], ['worker'], ['worker']]);
    expect(labNodeSpecs('a', 5, 1, '1cp')[0]!.roles).toEqual(['controlplane', 'etcd', 'worker']);
    expect(parseLayout('1cp')).toBe('1cp');
    expect(() => parseLayout('ha')).toThrow(/unknown lab layout "ha"/);
  });

  it('rejects bad names and node counts as usage errors', () => {
    for (const bad of ['', 'UPPER', '-x', 'x-', 'a_b', 'a'.repeat(25)]) expect(() => validateLabName(bad)).toThrow(UsageError);
    for (const bad of ['0', '51', '1.5', 'three']) expect(() => parseNodeCount(bad)).toThrow(UsageError);
    expect(parseNodeCount('3')).toBe(3);
  });

  it('the host FORWARD rules accept bridge-to-bridge and drop everything leaving the bridge', () => {
    expect(forwardRules(labNetwork(7))).toEqual([
      ['-i', 'drlab7', '-o', 'drlab7', '-j', 'ACCEPT'],
      ['-i', 'drlab7', '!', '-o', 'drlab7', '-j', 'DROP'],
    ]);
  });
});

describe('lab prerequisites', () => {
  it('refuses other systems and non-root users with a hint, before touching anything', async () => {
    await expect(assertLabPrerequisites('darwin', 0)).rejects.toThrow(/needs Linux/);
    const err = await assertLabPrerequisites('linux', 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DroverError);
    expect((err as DroverError).message).toMatch(/needs root/);
    expect((err as DroverError).hint).toMatch(/sudo/);
  });
});

describe('lab cluster.yml', () => {
  it('is accepted by drover’s own strict cluster.yml loader, with strict host keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drover-lab-unit-'));
    try {
      const network = labNetwork(3);
      const state: LabState = {
        version: 1, name: 'demo', dir, layout: '1cp', network,
        nodes: labNodeSpecs('demo', 3, 3, '1cp').map((n) => ({ ...n, cgroups: [], nodeDir: '/nowhere' })),
        forwardRules: [], createdAt: '2026-01-01T00:00:00Z',
      };
      writeFileSync(join(dir, 'cluster.yml'), clusterYml(state));
      writeFileSync(join(dir, 'id_ed25519'), 'not read by the loader\n');
      const { model } = await loadClusterModel(join(dir, 'cluster.yml'), {}, { purpose: 'validate' });
      expect(model.name).toBe('demo');
      expect(model.knownHostsPath).toBe(join(dir, 'known_hosts'));
      expect(model.nodes.map((n) => [n.address, n.user, n.hostname, n.roles.slice().sort().join(',')])).toEqual([
        ['10.250.3.11', 'root', 'demo-node1', 'controlplane,etcd'],
        ['10.250.3.12', 'root', 'demo-node2', 'worker'],
        ['10.250.3.13', 'root', 'demo-node3', 'worker'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('known_hosts lines are OpenSSH "address type key" entries', () => {
    expect(knownHosts([{ address: '10.250.0.11', publicKey: 'ssh-ed25519 AAAAC3Nza' }])).toBe('10.250.0.11 ssh-ed25519 AAAAC3Nza\n');
  });
});
