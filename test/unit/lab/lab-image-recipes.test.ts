import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { specDigest, type FileTreeSpec } from '../../../src/lab/file-tree-layer.js';
import { ENTRYPOINT_SCRIPT, KUBELET_SYSCTLS } from '../../../src/lab/kubernetes-entrypoint.js';
import { kubernetesVersionOf } from '../../../src/lab/kubernetes-image.js';
import { nginxTag, nginxVersion } from '../../../src/lab/nginx-image.js';

describe('lab image recipes', () => {
  it('reads versions from the binaries\' own output', () => {
    expect(kubernetesVersionOf('Kubernetes v1.20.2\n')).toBe('v1.20.2');
    expect(() => kubernetesVersionOf('Kubernetes v0.0.0-master+$Format:%h$')).toThrow(/cannot read a Kubernetes version/);
    expect(nginxVersion('nginx version: nginx/1.22.1\n')).toBe('1.22.1');
    expect(nginxTag('1.22.1')).toBe('1.22');
    expect(() => nginxVersion('command not found')).toThrow(/nginx version/);
  });

  it('keys a layer by its spec: another path, script or mode is another layer', () => {
    const spec: FileTreeSpec = { name: 't', files: [{ from: '/a', to: '/b' }], texts: [{ path: '/e', content: 'x' }], missingHint: 'h' };
    const d = specDigest(spec);
    expect(specDigest({ ...spec, missingHint: 'other words' })).toBe(d);
    expect(specDigest({ ...spec, files: [{ from: '/a', to: '/c' }] })).not.toBe(d);
    expect(specDigest({ ...spec, files: [{ from: '/a', to: '/b', mode: 0o644 }] })).not.toBe(d);
    expect(specDigest({ ...spec, texts: [{ path: '/e', content: 'y' }] })).not.toBe(d);
  });

  it('the entrypoint is valid sh, masks the sysctls kubelet checks, copies CNI only for kubelet, and execs', () => {
    execFileSync('sh', ['-n'], { input: ENTRYPOINT_SCRIPT });
    for (const [key, value] of KUBELET_SYSCTLS) expect(ENTRYPOINT_SCRIPT).toContain(`mask ${key} ${value}\n`);
    expect(KUBELET_SYSCTLS.map(([k]) => k)).toEqual(expect.arrayContaining(['vm/overcommit_memory', 'kernel/panic', 'kernel/panic_on_oops']));
    expect(ENTRYPOINT_SCRIPT).toMatch(/case "\$\{1##\*\/\}" in\n\s+kubelet\)/);
    expect(ENTRYPOINT_SCRIPT.trimEnd().endsWith('exec "$@"')).toBe(true);
  });
});
