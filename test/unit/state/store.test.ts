import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DroverError } from '../../../src/errors.js';
import { reconcilePki } from '../../../src/pki/index.js';
import {
  StateStore, migrateState, readStateHeader, resolveStateKey, statePathFor, type StateContent, type StateKey,
} from '../../../src/state/index.js';
import { threeNodeModel } from '../pki/model.js';

const model = threeNodeModel();
const pki = reconcilePki(undefined, model, { keyType: 'ecdsa', now: () => new Date(), randomSerial: () => randomBytes(16) }).pki;
const content = (kubernetes = 'v1.31.4'): StateContent => ({ droverVersion: '0.1.0', appliedConfig: model, pki, versions: { kubernetes } });
const KEY: StateKey = { source: 'test', secret: 'correct horse battery staple' };

async function expectDroverError(p: Promise<unknown>, exitCode: number, ...messages: RegExp[]): Promise<DroverError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DroverError);
  expect((err as DroverError).exitCode).toBe(exitCode);
  for (const m of messages) expect(`${(err as DroverError).message}\n${(err as DroverError).hint ?? ''}`).toMatch(m);
  return err as DroverError;
}

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drover-state-'));
  path = statePathFor(join(dir, 'cluster.yml'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('state file', () => {
  it('is named after the cluster file', () => {
    expect(statePathFor('/a/b/cluster.yml')).toBe('/a/b/cluster.droverstate');
    expect(statePathFor('/a/prod.yaml')).toBe('/a/prod.droverstate');
  });

  it('round-trips the applied config, the PKI and versions, at mode 0600', async () => {
    const store = new StateStore(path, undefined, () => new Date('2026-02-03T04:05:06Z'));
    expect(await store.load()).toBeUndefined();
    const { state } = await store.save(content());
    expect(state).toMatchObject({ schemaVersion: 1, generation: 1, savedAt: '2026-02-03T04:05:06.000Z' });
    const loaded = await store.load();
    expect(loaded).toEqual(state);
    expect(loaded?.pki).toEqual(pki);
    expect(loaded?.appliedConfig).toEqual(model);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('keeps the previous save as a 0600 backup and counts generations', async () => {
    const store = new StateStore(path, undefined);
    await store.save(content('v1.30.0'));
    await store.save(content('v1.31.4'));
    expect((await store.load())?.generation).toBe(2);
    const backup = JSON.parse(await readFile(store.backupPath, 'utf8')) as { generation: number; versions: Record<string, string> };
    expect(backup.generation).toBe(1);
    expect(backup.versions['kubernetes']).toBe('v1.30.0');
    expect((await stat(store.backupPath)).mode & 0o777).toBe(0o600);
  });

  it('names the file and the backup when the state is corrupt, exit 2', async () => {
    const store = new StateStore(path, undefined);
    await store.save(content());
    await store.save(content());
    await writeFile(path, '{"drover": "drover-cluster-state", "generation": 3, "savedAt": "x", "schemaVersi');
    await expectDroverError(store.load(), 2, new RegExp(`state file ${path} is corrupt`), new RegExp(`${path}\\.bak`));
  });

  it('says there is no backup when there is none', async () => {
    await writeFile(path, 'not json at all');
    const err = await expectDroverError(new StateStore(path, undefined).load(), 2, /is corrupt/);
    expect(err.hint).toMatch(/no backup/);
  });

  it('names the malformed part of a hand-edited state', async () => {
    const store = new StateStore(path, undefined);
    await store.save(content());
    const doc = JSON.parse(await readFile(path, 'utf8')) as { pki: { certs: Record<string, { certPem?: string }> } };
    delete doc.pki.certs['kube-admin']!.certPem;
    await writeFile(path, JSON.stringify(doc));
    await expectDroverError(store.load(), 2, /corrupt: pki.certs.kube-admin is malformed/);
  });

  it('refuses a state from a newer drover', async () => {
    await writeFile(path, JSON.stringify({ drover: 'drover-cluster-state', generation: 1, savedAt: 'x', schemaVersion: 99, versions: {} }));
    await expectDroverError(new StateStore(path, undefined).load(), 2, /newer drover/);
  });
});

describe('state encryption', () => {
  it('encrypts everything but the header and decrypts with the same key', async () => {
    const store = new StateStore(path, KEY);
    await store.save(content());
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain('10.250.0.11');
    expect(readStateHeader(text)).toMatchObject({ encrypted: true, generation: 1 });
    expect((await store.load())?.pki).toEqual(pki);
  });

  it('fails with exit 2 on a wrong key, naming where the key came from', async () => {
    await new StateStore(path, KEY).save(content());
    await expectDroverError(new StateStore(path, { source: 'DROVER_STATE_KEY', secret: 'wrong' }).load(), 2, /cannot decrypt/, /DROVER_STATE_KEY/);
  });

  it('fails with exit 2 when the state is encrypted and no key is given', async () => {
    await new StateStore(path, KEY).save(content());
    await expectDroverError(new StateStore(path, undefined).load(), 2, /encrypted and no key/, /DROVER_STATE_KEY/);
  });

  it('detects a tampered ciphertext', async () => {
    await new StateStore(path, KEY).save(content());
    const doc = JSON.parse(await readFile(path, 'utf8')) as { data: string };
    const bytes = Buffer.from(doc.data, 'base64');
    bytes[10] = (bytes[10] ?? 0) ^ 1;
    await writeFile(path, JSON.stringify({ ...doc, data: bytes.toString('base64') }));
    await expectDroverError(new StateStore(path, KEY).load(), 2, /cannot decrypt/);
  });

  it('takes the key from DROVER_STATE_KEY, else from DROVER_STATE_KEY_FILE', async () => {
    expect(await resolveStateKey({}, dir)).toBeUndefined();
    expect(await resolveStateKey({ DROVER_STATE_KEY: 's3cret' }, dir)).toEqual({ source: 'DROVER_STATE_KEY', secret: 's3cret' });
    await writeFile(join(dir, 'state.key'), 'from-a-file\n');
    expect(await resolveStateKey({ DROVER_STATE_KEY_FILE: 'state.key' }, dir)).toMatchObject({ secret: 'from-a-file' });
    await expectDroverError(resolveStateKey({ DROVER_STATE_KEY_FILE: 'missing.key' }, dir), 2, /cannot read the state key file/);
    await writeFile(join(dir, 'empty.key'), '  \n');
    await expectDroverError(resolveStateKey({ DROVER_STATE_KEY_FILE: 'empty.key' }, dir), 2, /is empty/);
  });

  it('restores a copy (as from a node) after checking it decrypts, keeping a backup', async () => {
    const store = new StateStore(path, KEY);
    await store.save(content('v1.30.0'));
    const other = new StateStore(join(dir, 'other.droverstate'), KEY);
    await other.save(content('v1.31.4'));
    const { text } = await other.save(content('v1.31.4'));
    const restored = await store.restore(text, '10.250.0.11:/var/lib/drover/cluster.droverstate');
    expect(restored.versions['kubernetes']).toBe('v1.31.4');
    expect((await store.load())?.generation).toBe(2);
    expect(readStateHeader(await readFile(store.backupPath, 'utf8'))?.generation).toBe(1);
    await expectDroverError(new StateStore(path, { source: 'x', secret: 'y' }).restore(text, 'node'), 2, /cannot decrypt the state file node/);
  });
});

describe('schema migrations', () => {
  const steps = [
    { from: 1, migrate: (d: Record<string, unknown>) => ({ ...d, versions: { kubernetes: d['k8s'] } }) },
    { from: 2, migrate: (d: Record<string, unknown>) => ({ ...d, migratedTwice: true }) },
  ];

  it('applies each step in order up to the current schema', () => {
    expect(migrateState({ schemaVersion: 1, k8s: 'v1.29.0' }, steps, 3)).toEqual({
      schemaVersion: 3, k8s: 'v1.29.0', versions: { kubernetes: 'v1.29.0' }, migratedTwice: true,
    });
    expect(migrateState({ schemaVersion: 3, x: 1 }, steps, 3)).toEqual({ schemaVersion: 3, x: 1 });
  });

  it('fails on a missing step or schema version', () => {
    expect(() => migrateState({ schemaVersion: 1 }, [], 2)).toThrow(/no migration from schema 1/);
    expect(() => migrateState({}, steps, 3)).toThrow(/schemaVersion/);
  });
});
