import type { ClusterModel } from '../model/cluster.js';
import { addonFromYaml, addonImage, clusterRoleBindingYaml, j, serviceAccountYaml, type Addon } from './addon.js';
import { FLANNEL_RULES, TOLERATE_ALL, indent } from './calico-common.js';

/** flannel's net-conf.json: the pod network and backend (network.options flannel_backend_type, _port, _vni). */
export function flannelNetConf(model: ClusterModel): string {
  const o = model.network.options;
  const backend: Record<string, unknown> = { Type: o['flannel_backend_type'] || 'vxlan' };
  if (o['flannel_backend_port']) backend['Port'] = Number(o['flannel_backend_port']);
  if (o['flannel_backend_vni']) backend['VNI'] = Number(o['flannel_backend_vni']);
  return JSON.stringify({ Network: model.network.clusterCidr, Backend: backend }, null, 2);
}

/** flannel (network.plugin: flannel): a DaemonSet that sets up VXLAN on every node, with its CNI config. */
export function flannelAddon(model: ClusterModel): Addon {
  const iface = model.network.options['flannel_iface'];
  const cniConf = JSON.stringify(
    {
      name: 'cbr0',
      cniVersion: '0.3.1',
      plugins: [
        { type: 'flannel', delegate: { hairpinMode: true, isDefaultGateway: true, ...(model.network.mtu ? { mtu: model.network.mtu } : {}) } },
        { type: 'portmap', capabilities: { portMappings: true }, snat: true },
      ],
    },
    null,
    2,
  );
  const flanneldArgs = ['--ip-masq', '--kube-subnet-mgr', ...(iface ? [`--iface=${iface}`] : [])];
  return addonFromYaml(
    'network',
    'network: flannel',
    `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: flannel}
rules:
${FLANNEL_RULES.trimEnd()}
---
${clusterRoleBindingYaml('flannel', 'flannel', 'flannel')}---
${serviceAccountYaml('flannel')}---
apiVersion: v1
kind: ConfigMap
metadata: {name: kube-flannel-cfg, namespace: kube-system, labels: {tier: node, app: flannel}}
data:
  cni-conf.json: ${j(cniConf)}
  net-conf.json: ${j(flannelNetConf(model))}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kube-flannel, namespace: kube-system, labels: {tier: node, k8s-app: flannel}}
spec:
  selector:
    matchLabels: {k8s-app: flannel}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 20%}}
  template:
    metadata:
      labels: {tier: node, k8s-app: flannel}
    spec:
      priorityClassName: system-node-critical
      hostNetwork: true
      serviceAccountName: flannel
      nodeSelector: {kubernetes.io/os: linux}
      tolerations:
${indent(TOLERATE_ALL, 6)}
      containers:
      - name: kube-flannel
        image: ${j(addonImage(model, 'flannel'))}
        command: [/opt/bin/flanneld]
        args: ${j(flanneldArgs)}
        resources:
          requests: {cpu: 100m, memory: 50Mi}
          limits: {cpu: 300m, memory: 500Mi}
        securityContext:
          privileged: false
          capabilities: {add: [NET_ADMIN, NET_RAW]}
        env:
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - name: POD_NAMESPACE
          valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
        volumeMounts:
        - {name: run, mountPath: /run}
        - {name: cni, mountPath: /etc/cni/net.d}
        - {name: flannel-cfg, mountPath: /etc/kube-flannel/}
      - name: install-cni
        image: ${j(addonImage(model, 'flannel_cni'))}
        command: [/install-cni.sh]
        env:
        - name: CNI_NETWORK_CONFIG
          valueFrom: {configMapKeyRef: {name: kube-flannel-cfg, key: cni-conf.json}}
        - {name: CNI_CONF_NAME, value: 10-flannel.conflist}
        volumeMounts:
        - {name: cni, mountPath: /host/etc/cni/net.d}
        - {name: host-cni-bin, mountPath: /host/opt/cni/bin/}
      volumes:
      - {name: run, hostPath: {path: /run}}
      - {name: cni, hostPath: {path: /etc/cni/net.d}}
      - {name: flannel-cfg, configMap: {name: kube-flannel-cfg}}
      - {name: host-cni-bin, hostPath: {path: /opt/cni/bin}}
`,
  );
}
