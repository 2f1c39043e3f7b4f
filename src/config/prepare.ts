import type { PathProblem } from './problems.js';
import type { PathSegment } from './yaml-source.js';

/**
 * Before validation, the raw YAML value is prepared the way RKE users expect:
 * - `key: null` (or `key:` with nothing) means "use the default", so the key is dropped;
 * - `${env:NAME}` in any string is replaced by the variable's value, so secrets can stay out of
 *   git. A missing variable is a problem naming it. `$${env:X}` is a literal `${env:X}`.
 */
const ENV_REF = /\$?\$\{env:([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Prepared {
  value: unknown;
  problems: PathProblem[];
  /** Values that came from the environment: treated as secrets (redacted in output). */
  secrets: string[];
}

export function prepareRawConfig(raw: unknown, env: Readonly<Record<string, string | undefined>>): Prepared {
  const problems: PathProblem[] = [];
  const secrets: string[] = [];

  const interpolate = (text: string, path: PathSegment[]): string =>
    text.replace(ENV_REF, (match, name: string) => {
      if (match.startsWith('$$')) return match.slice(1);
      if (!ENV_NAME.test(name)) {
        problems.push({ severity: 'error', path, message: `\`${match}\` is not a valid environment reference`, hint: 'write ${env:NAME} with a variable name of letters, digits and _' });
        return match;
      }
      const value = env[name];
      if (value === undefined) {
        problems.push({ severity: 'error', path, message: `environment variable ${name} is not set`, hint: `export ${name}=... before running drover, or write the value in the file` });
        return match;
      }
      if (value) secrets.push(value);
      return value;
    });

  const walk = (value: unknown, path: PathSegment[]): unknown => {
    if (typeof value === 'string') return value.includes('${') ? interpolate(value, path) : value;
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) {
        if (child === null || child === undefined) continue;
        out[key] = walk(child, [...path, key]);
      }
      return out;
    }
    return value;
  };

  return { value: walk(raw, []), problems, secrets };
}
