import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { ExitCode } from '../cli/exit-codes.js';
import type { IoHost } from '../cli/io.js';
import { loadClusterModel } from '../config/index.js';
import { UsageError } from '../errors.js';
import {
  allPkiFiles, certSpecsFor, importCustomCerts, keysNeeded, prepareKeyPool, reconcileSpecs, withCustomCerts,
  type KeyType, type PkiSeed,
} from '../pki/index.js';
import { resolveStateKey, StateStore, statePathFor } from '../state/index.js';

export interface CertGenerateOptions {
  config: string;
  out: string;
  certDir?: string;
  keyType?: string;
}

/**
 * `drover cert generate`: the whole PKI and every kubeconfig written to a directory, offline,
 * for review or for signing elsewhere. Starts from the PKI in the state when there is one (so
 * the files match what `up` deploys) and from --cert-dir's certificates; never writes the state.
 */
export async function certGenerate(opts: CertGenerateOptions, io: IoHost): Promise<ExitCode> {
  const keyType = parseKeyType(opts.keyType);
  const configPath = resolve(io.cwd, opts.config);
  const { model } = await loadClusterModel(configPath, io.env);
  const store = new StateStore(statePathFor(configPath), await resolveStateKey(io.env, io.cwd));
  let seed: PkiSeed | undefined = (await store.load())?.pki;
  let ignored: string[] = [];
  if (opts.certDir) {
    const dir = resolve(io.cwd, opts.certDir);
    const imported = importCustomCerts(dir, await readPemFiles(dir), certSpecsFor(model));
    ignored = imported.ignored;
    seed = withCustomCerts(seed, imported, keyType);
  }
  const specs = certSpecsFor(model);
  const generateKey = keyType === 'rsa' ? await prepareKeyPool(keyType, keysNeeded(seed, specs)) : undefined;
  const result = reconcileSpecs(seed, specs, {
    keyType,
    now: () => new Date(),
    randomSerial: () => randomBytes(16),
    ...(generateKey ? { generateKey } : {}),
  });
  const outDir = resolve(io.cwd, opts.out);
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const files = allPkiFiles(model, result.pki);
  for (const file of files) {
    const path = join(outDir, file.name);
    await writeFileAtomic(path, file.content, { mode: file.mode });
    await chmod(path, file.mode); // write-file-atomic keeps an existing file's mode otherwise
  }
  const certificates = Object.keys(result.pki.certs).length;
  const issued = result.issued.filter((name) => name in result.pki.certs).length;
  const summary = { out: outDir, files: files.length, certificates, issued, kept: certificates - issued, keyType };
  if (io.output === 'json') {
    io.stdout.write(JSON.stringify({ type: 'cert-generate', ...summary, ignored, written: files.map((f) => f.name) }) + '\n');
  } else {
    for (const name of ignored) io.stderr.write(`warning: ${opts.certDir}/${name} matches no certificate of this cluster; ignored\n`);
    io.stdout.write(
      `wrote ${summary.files} files to ${outDir}: ${summary.certificates} certificates (${summary.issued} issued, ${summary.kept} kept), ` +
        `the service-account key and the kubeconfigs; private keys are 0600\n`,
    );
  }
  return ExitCode.Ok;
}

function parseKeyType(value: string | undefined): KeyType {
  if (value === undefined || value === 'ecdsa') return 'ecdsa';
  if (value === 'rsa') return 'rsa';
  throw new UsageError(`unknown key type "${value}"`, 'use --key-type ecdsa (default) or --key-type rsa');
}

async function readPemFiles(dir: string): Promise<Record<string, string>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new UsageError(`cannot read the certificate directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const files: Record<string, string> = {};
  for (const name of names.filter((n) => n.endsWith('.pem'))) files[name] = await readFile(join(dir, name), 'utf8');
  return files;
}
