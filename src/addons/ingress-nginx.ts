import type { ClusterModel } from '../model/cluster.js';
import { addonFromYaml, addonImage, clusterRoleBindingYaml, j, linuxSelector, type Addon } from './addon.js';

/** ingress-nginx as a DaemonSet on host ports (or the host network), RKE's layout (ingress.provider: nginx). */
export function ingressNginxAddon(model: ClusterModel): Addon {
  const ing = model.addons.ingress;
  const hostNetwork = ing.networkMode === 'hostNetwork';
  const flags: Record<string, string> = {
    configmap: '$(POD_NAMESPACE)/nginx-configuration',
    'tcp-services-configmap': '$(POD_NAMESPACE)/tcp-services',
    'udp-services-configmap': '$(POD_NAMESPACE)/udp-services',
    'annotations-prefix': 'nginx.ingress.kubernetes.io',
    'default-backend-service': '$(POD_NAMESPACE)/default-http-backend',
    ...(ing.httpPort !== 80 ? { 'http-port': String(ing.httpPort) } : {}),
    ...(ing.httpsPort !== 443 ? { 'https-port': String(ing.httpsPort) } : {}),
    ...ing.extraArgs,
  };
  const args = ['/nginx-ingress-controller', ...Object.keys(flags).sort().map((k) => `--${k}=${flags[k]}`)];
  const ports = [
    { name: 'http', containerPort: ing.httpPort, protocol: 'TCP', ...(hostNetwork ? {} : { hostPort: ing.httpPort }) },
    { name: 'https', containerPort: ing.httpsPort, protocol: 'TCP', ...(hostNetwork ? {} : { hostPort: ing.httpsPort }) },
  ];
  return addonFromYaml(
    'ingress',
    'ingress-nginx',
    `apiVersion: v1
kind: Namespace
metadata: {name: ingress-nginx}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: nginx-configuration, namespace: ingress-nginx, labels: {app: ingress-nginx}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: tcp-services, namespace: ingress-nginx}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: udp-services, namespace: ingress-nginx}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: nginx-ingress-serviceaccount, namespace: ingress-nginx}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: nginx-ingress-clusterrole}
rules:
- {apiGroups: [""], resources: [configmaps, endpoints, nodes, pods, secrets], verbs: [list, watch]}
- {apiGroups: [""], resources: [nodes], verbs: [get]}
- {apiGroups: [""], resources: [services], verbs: [get, list, watch]}
- {apiGroups: [""], resources: [events], verbs: [create, patch]}
- {apiGroups: [extensions, networking.k8s.io], resources: [ingresses, ingressclasses], verbs: [get, list, watch]}
- {apiGroups: [extensions, networking.k8s.io], resources: [ingresses/status], verbs: [update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: nginx-ingress-role, namespace: ingress-nginx}
rules:
- {apiGroups: [""], resources: [configmaps, pods, secrets, namespaces], verbs: [get]}
- {apiGroups: [""], resources: [configmaps], resourceNames: [ingress-controller-leader-nginx], verbs: [get, update]}
- {apiGroups: [""], resources: [configmaps], verbs: [create]}
- {apiGroups: [""], resources: [endpoints], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: nginx-ingress-role-nisa-binding, namespace: ingress-nginx}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: nginx-ingress-role}
subjects:
- {kind: ServiceAccount, name: nginx-ingress-serviceaccount, namespace: ingress-nginx}
---
${clusterRoleBindingYaml('nginx-ingress-clusterrole-nisa-binding', 'nginx-ingress-clusterrole', 'nginx-ingress-serviceaccount', 'ingress-nginx')}---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: nginx-ingress-controller, namespace: ingress-nginx}
spec:
  selector:
    matchLabels: {app: ingress-nginx}
  template:
    metadata:
      labels: {app: ingress-nginx}
      annotations: {prometheus.io/port: "10254", prometheus.io/scrape: "true"}
    spec:
      hostNetwork: ${j(hostNetwork)}
      dnsPolicy: ${j(hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst')}
      serviceAccountName: nginx-ingress-serviceaccount
      terminationGracePeriodSeconds: 60
      nodeSelector: ${j(linuxSelector(ing.nodeSelector))}
      tolerations:
      - {operator: Exists, effect: NoSchedule}
      - {operator: Exists, effect: NoExecute}
      containers:
      - name: nginx-ingress-controller
        image: ${j(addonImage(model, 'ingress'))}
        args: ${j(args)}
        securityContext:
          allowPrivilegeEscalation: true
          capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}
          runAsUser: 101
        env:
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - name: POD_NAMESPACE
          valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
        ports: ${j(ports)}
        livenessProbe:
          httpGet: {path: /healthz, port: 10254, scheme: HTTP}
          initialDelaySeconds: 10
          timeoutSeconds: 10
          failureThreshold: 3
        readinessProbe:
          httpGet: {path: /healthz, port: 10254, scheme: HTTP}
          timeoutSeconds: 10
          failureThreshold: 3
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: default-http-backend, namespace: ingress-nginx, labels: {app: default-http-backend}}
spec:
  replicas: 1
  selector:
    matchLabels: {app: default-http-backend}
  template:
    metadata:
      labels: {app: default-http-backend}
    spec:
      terminationGracePeriodSeconds: 60
      nodeSelector: ${j(linuxSelector({}))}
      tolerations:
      - {operator: Exists, effect: NoSchedule}
      - {operator: Exists, effect: NoExecute}
      containers:
      - name: default-http-backend
        image: ${j(addonImage(model, 'ingress_backend'))}
        livenessProbe:
          httpGet: {path: /healthz, port: 8080, scheme: HTTP}
          initialDelaySeconds: 30
          timeoutSeconds: 5
        ports:
        - {containerPort: 8080, protocol: TCP}
        resources:
          limits: {cpu: 10m, memory: 20Mi}
          requests: {cpu: 10m, memory: 20Mi}
---
apiVersion: v1
kind: Service
metadata: {name: default-http-backend, namespace: ingress-nginx, labels: {app: default-http-backend}}
spec:
  selector: {app: default-http-backend}
  ports:
  - {port: 80, targetPort: 8080, protocol: TCP}
`,
  );
}
