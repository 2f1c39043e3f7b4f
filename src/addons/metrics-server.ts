import type { ClusterModel } from '../model/cluster.js';
import { addonFromYaml, addonImage, clusterRoleBindingYaml, j, linuxSelector, type Addon } from './addon.js';

/** metrics-server behind the metrics.k8s.io APIService (monitoring.provider: metrics-server). */
export function metricsServerAddon(model: ClusterModel): Addon {
  const mon = model.addons.monitoring;
  return addonFromYaml(
    'metrics-server',
    'metrics-server',
    `apiVersion: v1
kind: ServiceAccount
metadata: {name: metrics-server, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:aggregated-metrics-reader
  labels:
    rbac.authorization.k8s.io/aggregate-to-admin: "true"
    rbac.authorization.k8s.io/aggregate-to-edit: "true"
    rbac.authorization.k8s.io/aggregate-to-view: "true"
rules:
- {apiGroups: [metrics.k8s.io], resources: [pods, nodes], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: system:metrics-server}
rules:
- {apiGroups: [""], resources: [pods, nodes, nodes/stats, namespaces, configmaps], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: metrics-server-auth-reader, namespace: kube-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: extension-apiserver-authentication-reader}
subjects:
- {kind: ServiceAccount, name: metrics-server, namespace: kube-system}
---
${clusterRoleBindingYaml('metrics-server:system:auth-delegator', 'system:auth-delegator', 'metrics-server')}---
${clusterRoleBindingYaml('system:metrics-server', 'system:metrics-server', 'metrics-server')}---
apiVersion: v1
kind: Service
metadata:
  name: metrics-server
  namespace: kube-system
  labels: {kubernetes.io/name: Metrics-server, kubernetes.io/cluster-service: "true"}
spec:
  selector: {k8s-app: metrics-server}
  ports:
  - {name: https, port: 443, protocol: TCP, targetPort: https}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: metrics-server
  namespace: kube-system
  labels: {k8s-app: metrics-server}
spec:
  replicas: ${j(mon.replicas)}
  selector:
    matchLabels: {k8s-app: metrics-server}
  template:
    metadata:
      name: metrics-server
      labels: {k8s-app: metrics-server}
    spec:
      priorityClassName: system-cluster-critical
      serviceAccountName: metrics-server
      nodeSelector: ${j(linuxSelector(mon.nodeSelector))}
      tolerations:
      - {operator: Exists, effect: NoSchedule}
      - {operator: Exists, effect: NoExecute}
      volumes:
      - {name: tmp-dir, emptyDir: {}}
      containers:
      - name: metrics-server
        image: ${j(addonImage(model, 'metrics_server'))}
        imagePullPolicy: IfNotPresent
        args:
        - --cert-dir=/tmp
        - --secure-port=4443
        - --kubelet-insecure-tls
        - --kubelet-preferred-address-types=InternalIP
        - --logtostderr
        ports:
        - {name: https, containerPort: 4443, protocol: TCP}
        readinessProbe:
          httpGet: {path: /readyz, port: https, scheme: HTTPS}
          periodSeconds: 10
          failureThreshold: 3
        securityContext: {readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1000}
        volumeMounts:
        - {name: tmp-dir, mountPath: /tmp}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io}
spec:
  service: {name: metrics-server, namespace: kube-system}
  group: metrics.k8s.io
  version: v1beta1
  insecureSkipTLSVerify: true
  groupPriorityMinimum: 100
  versionPriority: 100
`,
  );
}
