import type { ClusterModel } from '../model/cluster.js';
import { addonFromYaml, addonImage, j, type Addon } from './addon.js';
import { flannelNetConf } from './flannel.js';
import { renderManifests } from './manifest.js';
import { CALICO_HOST_VOLUMES, CALICO_NODE_MOUNTS, CALICO_NODE_RULES, TOLERATE_ALL, calicoCrds, indent } from './calico-common.js';

function canalCniConfig(): string {
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
          ipam: { type: 'host-local', subnet: 'usePodCidr' },
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

/** Canal (network.plugin: canal, RKE's default): flannel VXLAN for pod traffic, Calico for network policy. */
export function canalAddon(model: ClusterModel): Addon {
  const iface = model.network.options['canal_iface'] ?? '';
  const yamlText = `${renderManifests(calicoCrds())}---
apiVersion: v1
kind: ConfigMap
metadata: {name: canal-config, namespace: kube-system}
data:
  typha_service_name: none
  canal_iface: ${j(iface)}
  masquerade: "true"
  veth_mtu: ${j(String(model.network.mtu ?? 0))}
  cni_network_config: ${j(canalCniConfig())}
  net-conf.json: ${j(flannelNetConf(model))}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: calico-node}
rules:
${CALICO_NODE_RULES.trimEnd()}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: flannel}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get]}
- {apiGroups: [""], resources: [nodes], verbs: [list, watch]}
- {apiGroups: [""], resources: [nodes/status], verbs: [patch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: canal-flannel}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: flannel}
subjects:
- {kind: ServiceAccount, name: canal, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: canal-calico}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: calico-node}
subjects:
- {kind: ServiceAccount, name: canal, namespace: kube-system}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: canal, namespace: kube-system}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: canal, namespace: kube-system, labels: {k8s-app: canal}}
spec:
  selector:
    matchLabels: {k8s-app: canal}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}
  template:
    metadata:
      labels: {k8s-app: canal}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      hostNetwork: true
      tolerations:
${indent(TOLERATE_ALL, 6)}
      serviceAccountName: canal
      terminationGracePeriodSeconds: 0
      priorityClassName: system-node-critical
      initContainers:
      - name: install-cni
        image: ${j(addonImage(model, 'canal_cni'))}
        command: [/opt/cni/bin/install]
        env:
        - {name: CNI_CONF_NAME, value: 10-canal.conflist}
        - name: CNI_NETWORK_CONFIG
          valueFrom: {configMapKeyRef: {name: canal-config, key: cni_network_config}}
        - name: KUBERNETES_NODE_NAME
          valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
        - name: CNI_MTU
          valueFrom: {configMapKeyRef: {name: canal-config, key: veth_mtu}}
        - {name: SLEEP, value: "false"}
        volumeMounts:
        - {mountPath: /host/opt/cni/bin, name: cni-bin-dir}
        - {mountPath: /host/etc/cni/net.d, name: cni-net-dir}
        securityContext: {privileged: true}
      - name: flexvol-driver
        image: ${j(addonImage(model, 'canal_flexvol'))}
        volumeMounts:
        - {name: flexvol-driver-host, mountPath: /host/driver}
        securityContext: {privileged: true}
      containers:
      - name: calico-node
        image: ${j(addonImage(model, 'canal_node'))}
        env:
        - {name: DATASTORE_TYPE, value: kubernetes}
        - {name: USE_POD_CIDR, value: "true"}
        - {name: WAIT_FOR_DATASTORE, value: "true"}
        - name: NODENAME
          valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
        - {name: CALICO_NETWORKING_BACKEND, value: none}
        - {name: CLUSTER_TYPE, value: "k8s,canal"}
        - {name: FELIX_IPTABLESREFRESHINTERVAL, value: "60"}
        - {name: IP, value: ""}
        - {name: CALICO_DISABLE_FILE_LOGGING, value: "true"}
        - {name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: ACCEPT}
        - {name: FELIX_IPV6SUPPORT, value: "false"}
        - {name: FELIX_LOGSEVERITYSCREEN, value: info}
        - {name: FELIX_HEALTHENABLED, value: "true"}
        securityContext: {privileged: true}
        resources:
          requests: {cpu: 250m}
        livenessProbe:
          httpGet: {path: /liveness, port: 9099, host: localhost}
          periodSeconds: 10
          initialDelaySeconds: 10
          failureThreshold: 6
        readinessProbe:
          httpGet: {path: /readiness, port: 9099, host: localhost}
          periodSeconds: 10
        volumeMounts:
${indent(CALICO_NODE_MOUNTS, 8)}
      - name: kube-flannel
        image: ${j(addonImage(model, 'canal_flannel'))}
        command: [/opt/bin/flanneld, --ip-masq, --kube-subnet-mgr]
        securityContext: {privileged: true}
        env:
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - name: POD_NAMESPACE
          valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
        - name: FLANNELD_IFACE
          valueFrom: {configMapKeyRef: {name: canal-config, key: canal_iface}}
        - name: FLANNELD_IP_MASQ
          valueFrom: {configMapKeyRef: {name: canal-config, key: masquerade}}
        volumeMounts:
        - {mountPath: /run/xtables.lock, name: xtables-lock, readOnly: false}
        - {name: flannel-cfg, mountPath: /etc/kube-flannel/}
      volumes:
${indent(CALICO_HOST_VOLUMES, 6)}
      - {name: flannel-cfg, configMap: {name: canal-config}}
`;
  return addonFromYaml('network', 'network: canal', yamlText);
}
