import type { ClusterModel } from '../model/cluster.js';
import { addonFromYaml, addonImage, j, type Addon } from './addon.js';
import { renderManifests } from './manifest.js';
import { CALICO_HOST_VOLUMES, CALICO_NODE_MOUNTS, CALICO_NODE_RULES, TOLERATE_ALL, calicoCrds, indent } from './calico-common.js';

/** Calico CNI config as the installer writes it (__KUBERNETES_NODE_NAME__ etc. are its placeholders). */
function calicoCniConfig(): string {
  return JSON.stringify(
    {
      name: 'k8s-pod-network',
      cniVersion: '0.3.1',
      plugins: [
        {
          type: 'calico',
          log_level: 'info',
          datastore_type: 'kubernetes',
          nodename: '__KUBERNETES_NODE_NAME__',
          mtu: '__CNI_MTU__',
          ipam: { type: 'calico-ipam' },
          policy: { type: 'k8s' },
          kubernetes: { kubeconfig: '__KUBECONFIG_FILEPATH__' },
        },
        { type: 'portmap', snat: true, capabilities: { portMappings: true } },
        { type: 'bandwidth', capabilities: { bandwidth: true } },
      ],
    },
    null,
    2,
  );
}

/** Calico (network.plugin: calico): BGP + IP-in-IP, calico IPAM over cluster_cidr, kube-controllers. */
export function calicoAddon(model: ClusterModel): Addon {
  const mtu = String(model.network.mtu ?? 0);
  const yamlText = `${renderManifests(calicoCrds())}---
apiVersion: v1
kind: ConfigMap
metadata: {name: calico-config, namespace: kube-system}
data:
  typha_service_name: none
  calico_backend: bird
  veth_mtu: ${j(mtu)}
  cni_network_config: ${j(calicoCniConfig())}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: calico-kube-controllers}
rules:
- {apiGroups: [""], resources: [nodes], verbs: [watch, list, get]}
- {apiGroups: [""], resources: [pods], verbs: [get]}
- {apiGroups: [crd.projectcalico.org], resources: [ippools], verbs: [list]}
- {apiGroups: [crd.projectcalico.org], resources: [blockaffinities, ipamblocks, ipamhandles], verbs: [get, list, create, update, delete]}
- {apiGroups: [crd.projectcalico.org], resources: [hostendpoints], verbs: [get, list, create, update, delete]}
- {apiGroups: [crd.projectcalico.org], resources: [clusterinformations], verbs: [get, create, update]}
- {apiGroups: [crd.projectcalico.org], resources: [kubecontrollersconfigurations], verbs: [get, create, update, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: calico-kube-controllers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: calico-kube-controllers}
subjects:
- {kind: ServiceAccount, name: calico-kube-controllers, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: calico-node}
rules:
${CALICO_NODE_RULES.trimEnd()}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: calico-node}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: calico-node}
subjects:
- {kind: ServiceAccount, name: calico-node, namespace: kube-system}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: calico-node, namespace: kube-system}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: calico-kube-controllers, namespace: kube-system}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: calico-node, namespace: kube-system, labels: {k8s-app: calico-node}}
spec:
  selector:
    matchLabels: {k8s-app: calico-node}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}
  template:
    metadata:
      labels: {k8s-app: calico-node}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      hostNetwork: true
      tolerations:
${indent(TOLERATE_ALL, 6)}
      serviceAccountName: calico-node
      terminationGracePeriodSeconds: 0
      priorityClassName: system-node-critical
      initContainers:
      - name: install-cni
        image: ${j(addonImage(model, 'calico_cni'))}
        command: [/opt/cni/bin/install]
        env:
        - {name: CNI_CONF_NAME, value: 10-calico.conflist}
        - name: CNI_NETWORK_CONFIG
          valueFrom: {configMapKeyRef: {name: calico-config, key: cni_network_config}}
        - name: KUBERNETES_NODE_NAME
          valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
        - name: CNI_MTU
          valueFrom: {configMapKeyRef: {name: calico-config, key: veth_mtu}}
        - {name: SLEEP, value: "false"}
        volumeMounts:
        - {mountPath: /host/opt/cni/bin, name: cni-bin-dir}
        - {mountPath: /host/etc/cni/net.d, name: cni-net-dir}
        securityContext: {privileged: true}
      - name: flexvol-driver
        image: ${j(addonImage(model, 'calico_flexvol'))}
        volumeMounts:
        - {name: flexvol-driver-host, mountPath: /host/driver}
        securityContext: {privileged: true}
      containers:
      - name: calico-node
        image: ${j(addonImage(model, 'calico_node'))}
        env:
        - {name: DATASTORE_TYPE, value: kubernetes}
        - {name: WAIT_FOR_DATASTORE, value: "true"}
        - name: NODENAME
          valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
        - name: CALICO_NETWORKING_BACKEND
          valueFrom: {configMapKeyRef: {name: calico-config, key: calico_backend}}
        - {name: CLUSTER_TYPE, value: "k8s,bgp"}
        - {name: IP, value: autodetect}
        - {name: CALICO_IPV4POOL_IPIP, value: Always}
        - {name: CALICO_IPV4POOL_VXLAN, value: Never}
        - {name: CALICO_IPV4POOL_CIDR, value: ${j(model.network.clusterCidr)}}
        - name: FELIX_IPINIPMTU
          valueFrom: {configMapKeyRef: {name: calico-config, key: veth_mtu}}
        - {name: CALICO_DISABLE_FILE_LOGGING, value: "true"}
        - {name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: ACCEPT}
        - {name: FELIX_IPV6SUPPORT, value: "false"}
        - {name: FELIX_LOGSEVERITYSCREEN, value: info}
        - {name: FELIX_HEALTHENABLED, value: "true"}
        securityContext: {privileged: true}
        resources:
          requests: {cpu: 250m}
        livenessProbe:
          exec: {command: [/bin/calico-node, -felix-live, -bird-live]}
          periodSeconds: 10
          initialDelaySeconds: 10
          failureThreshold: 6
        readinessProbe:
          exec: {command: [/bin/calico-node, -felix-ready, -bird-ready]}
          periodSeconds: 10
        volumeMounts:
${indent(CALICO_NODE_MOUNTS, 8)}
      volumes:
${indent(CALICO_HOST_VOLUMES, 6)}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: calico-kube-controllers, namespace: kube-system, labels: {k8s-app: calico-kube-controllers}}
spec:
  replicas: 1
  selector:
    matchLabels: {k8s-app: calico-kube-controllers}
  strategy: {type: Recreate}
  template:
    metadata:
      name: calico-kube-controllers
      namespace: kube-system
      labels: {k8s-app: calico-kube-controllers}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      tolerations:
${indent(TOLERATE_ALL, 6)}
      serviceAccountName: calico-kube-controllers
      priorityClassName: system-cluster-critical
      containers:
      - name: calico-kube-controllers
        image: ${j(addonImage(model, 'calico_controllers'))}
        env:
        - {name: ENABLED_CONTROLLERS, value: node}
        - {name: DATASTORE_TYPE, value: kubernetes}
        readinessProbe:
          exec: {command: [/usr/bin/check-status, -r]}
`;
  return addonFromYaml('network', 'network: calico', yamlText);
}
