/**
 * Kubernetes' own name rules (apimachinery validation), so a bad label or node name is caught
 * in cluster.yml and not by the apiserver halfway through `drover up`. Each returns what is
 * wrong, or undefined.
 */
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function dns1123SubdomainProblem(name: string): string | undefined {
  if (name.length > 253) return 'must be at most 253 characters';
  if (!name.split('.').every((part) => DNS1123_LABEL.test(part))) {
    return "must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit";
  }
  return undefined;
}

export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : [undefined, key];
  if (prefix !== undefined) {
    const p = dns1123SubdomainProblem(prefix);
    if (p) return `has an invalid prefix "${prefix}": it ${p}`;
  }
  if (!name) return 'has an empty name';
  if (name.length > 63) return 'has a name longer than 63 characters';
  if (!QUALIFIED_NAME.test(name)) return "is not a valid label name: use letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return 'is longer than 63 characters';
  if (!QUALIFIED_NAME.test(value)) return "is not a valid label value: use letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
  return undefined;
}
