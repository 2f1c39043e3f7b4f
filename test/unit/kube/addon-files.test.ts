import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAddonIncludes } from '../../../src/kube/addon-files.js';
import { addonModel } from '../addons/model.js';

describe('addons_include files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drover-kube-includes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const withIncludes = (include: string[]) => {
    const model = addonModel();
    return { ...model, addons: { ...model.addons, include } };
  };

  it('reads each file by its resolved path', async () => {
    writeFileSync(join(dir, 'a.yaml'), 'apiVersion: v1\n');
    expect(await readAddonIncludes(withIncludes([join(dir, 'a.yaml')]))).toEqual({ [join(dir, 'a.yaml')]: 'apiVersion: v1\n' });
  });

  it('refuses URLs (offline) and names a file it cannot read', async () => {
    await expect(readAddonIncludes(withIncludes(['https://example.com/x.yaml']))).rejects.toThrow('addons_include https://example.com/x.yaml: URLs are not supported (drover works offline)');
    await expect(readAddonIncludes(withIncludes([join(dir, 'missing.yaml')]))).rejects.toThrow(`addons_include ${join(dir, 'missing.yaml')}: cannot read: ENOENT`);
  });
});
