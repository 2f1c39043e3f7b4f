/** The PKI layer: pure functions from a model (and the previous PKI) to certificates and kubeconfigs. */
export { reconcilePki, reconcileSpecs, type Pki, type PkiSeed, type ReconcileOptions, type ReconcileResult } from './reconcile.js';
export { certSpecsFor, apiServerSans, type CertSpec, type CertUsage } from './specs.js';
export { issueCertificate, CA_VALIDITY_DAYS, LEAF_VALIDITY_DAYS, type IssuedCert, type IssueOptions } from './issue.js';
export { generateKeyPair, type KeyType, type KeyPair } from './keys.js';
export { adminKubeconfig, adminKubeconfigPath, componentKubeconfig, componentKubeconfigs, LOCAL_API_SERVER } from './kubeconfig.js';
export { allPkiFiles, nodePkiFiles, type PkiFile } from './files.js';
export { certInfo, pkiStatus, type CertInfo } from './inspect.js';
export { importCustomCerts, withCustomCerts, type CustomImport } from './custom.js';
export * from './names.js';
export { keysNeeded, prepareKeyPool } from './key-pool.js';
