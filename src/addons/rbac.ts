import { CertName } from '../pki/names.js';
import { addonFromYaml, j, type Addon } from './addon.js';

/**
 * RBAC the cluster itself needs beyond Kubernetes' bootstrap roles: the apiserver's kubelet
 * client (logs, exec, port-forward, metrics) may use the kubelet API — RKE's
 * system:kube-apiserver-to-kubelet. Nodes are covered by the Node authorizer, kube-proxy by the
 * bootstrap system:node-proxier binding.
 */
export function rbacAddon(): Addon {
  return addonFromYaml(
    'rbac',
    'cluster RBAC (apiserver → kubelet)',
    `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:kube-apiserver-to-kubelet
  annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
rules:
- apiGroups: [""]
  resources: [nodes/proxy, nodes/stats, nodes/log, nodes/spec, nodes/metrics]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:kube-apiserver
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:kube-apiserver-to-kubelet}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: ${j(CertName.apiServerKubeletClient)}}
`,
  );
}
