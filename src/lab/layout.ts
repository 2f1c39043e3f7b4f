import { UsageError } from '../errors.js';
import type { Role } from '../model/cluster.js';

/**
 * Pure naming and addressing of a lab: every lab gets one /24 out of 10.250.0.0/16 (its "slot"),
 * a bridge, and per node a fixed address, hostname, veth name and MAC addresses. Fixed MACs keep
 * neighbour caches valid when a node is re-created.
 */

export const LAB_LAYOUTS = ['all-roles', '1cp'] as const;
export type LabLayout = (typeof LAB_LAYOUTS)[number];
export const MAX_LAB_NODES = 50;
export const DEFAULT_LAB_NAME = 'drover';
const SLOTS = 255;

export interface LabNetwork {
  slot: number;
  subnet: string;
  prefix: number;
  bridge: string;
  bridgeAddress: string;
  bridgeMac: string;
  /** Node default routes point here: an address nobody owns, so nothing is routed anywhere. */
  deadGateway: string;
}

export interface LabNodeSpec {
  /** 1-based position in the lab. */
  index: number;
  hostname: string;
  address: string;
  roles: Role[];
  hostVeth: string;
  hostMac: string;
  nodeMac: string;
}

export function validateLabName(name: string): string {
  if (!/^[a-z0-9]([a-z0-9-]{0,22}[a-z0-9])?$/.test(name)) {
    throw new UsageError(
      `invalid lab name "${name}"`,
      'use 1-24 lower-case letters, digits and dashes, starting and ending with a letter or digit',
    );
  }
  return name;
}

export function parseNodeCount(value: string | number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LAB_NODES) {
    throw new UsageError(`--nodes must be a whole number from 1 to ${MAX_LAB_NODES}, got "${value}"`);
  }
  return n;
}

export function parseLayout(value: string): LabLayout {
  if ((LAB_LAYOUTS as readonly string[]).includes(value)) return value as LabLayout;
  throw new UsageError(`unknown lab layout "${value}"`, `use one of: ${LAB_LAYOUTS.join(', ')}`);
}

/** FNV-1a: a stable hash, so a lab name maps to the same subnet on every machine. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(text, 'utf8')) {
    h ^= ch;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The default lab owns 10.250.0.0/24; every other name hashes to one of slots 1..254. */
export function preferredSlot(name: string): number {
  return name === DEFAULT_LAB_NAME ? 0 : 1 + (fnv1a(name) % (SLOTS - 1));
}

/** Preferred slot, else the next free one (linear probing over the slots in use). */
export function chooseSlot(name: string, taken: ReadonlySet<number>): number {
  const start = preferredSlot(name);
  for (let step = 0; step < SLOTS; step++) {
    const slot = (start + step) % SLOTS;
    if (!taken.has(slot)) return slot;
  }
  throw new UsageError('every lab subnet (10.250.0.0/24 … 10.250.254.0/24) is in use', 'stop a lab with `drover lab down --name NAME`');
}

const hex = (n: number) => n.toString(16).padStart(2, '0');

export function labNetwork(slot: number): LabNetwork {
  const base = `10.250.${slot}`;
  return {
    slot,
    subnet: `${base}.0/24`,
    prefix: 24,
    bridge: `drlab${slot}`,
    bridgeAddress: `${base}.1`,
    bridgeMac: `02:d0:${hex(slot)}:00:00:01`,
    deadGateway: `${base}.254`,
  };
}

export function rolesFor(layout: LabLayout, index: number, count: number): Role[] {
  if (layout === '1cp' && count > 1) return index === 1 ? ['controlplane', 'etcd'] : ['worker'];
  return ['controlplane', 'etcd', 'worker'];
}

export function labNodeSpecs(name: string, slot: number, count: number, layout: LabLayout): LabNodeSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const index = i + 1;
    return {
      index,
      hostname: `${name}-node${index}`,
      address: `10.250.${slot}.${10 + index}`,
      roles: rolesFor(layout, index, count),
      hostVeth: `dl${slot}n${index}`,
      hostMac: `02:d1:${hex(slot)}:00:00:${hex(index)}`,
      nodeMac: `02:d2:${hex(slot)}:00:00:${hex(index)}`,
    };
  });
}
