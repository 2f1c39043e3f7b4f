import type { ClusterModel } from '../model/cluster.js';
import { addonFromYaml, addonImage, clusterRoleBindingYaml, j, serviceAccountYaml, type Addon } from './addon.js';
import { flannelNetConf } from './flannel.js';
import { renderManifests } from './manifest.js';
import { CALICO_NODE_RULES, FLANNEL_RULES, calicoCniConfig, calicoCrds, calicoNodeDaemonSetYaml } from './calico-common.js';

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
  cni_network_config: ${j(calicoCniConfig({ type: 'host-local', subnet: 'usePodCidr' }))}
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
${FLANNEL_RULES.trimEnd()}
---
${clusterRoleBindingYaml('canal-flannel', 'flannel', 'canal')}---
${clusterRoleBindingYaml('canal-calico', 'calico-node', 'canal')}---
${serviceAccountYaml('canal')}---
${calicoNodeDaemonSetYaml({
  name: 'canal',
  configMap: 'canal-config',
  cniConfName: '10-canal.conflist',
  images: { cni: addonImage(model, 'canal_cni'), flexvol: addonImage(model, 'canal_flexvol'), node: addonImage(model, 'canal_node') },
  nodeEnv: `- {name: DATASTORE_TYPE, value: kubernetes}
- {name: USE_POD_CIDR, value: "true"}
- {name: WAIT_FOR_DATASTORE, value: "true"}
- name: NODENAME
  valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
- {name: CALICO_NETWORKING_BACKEND, value: none}
- {name: CLUSTER_TYPE, value: "k8s,canal"}
- {name: FELIX_IPTABLESREFRESHINTERVAL, value: "60"}
- {name: IP, value: ""}`,
  probes: `livenessProbe:
  httpGet: {path: /liveness, port: 9099, host: localhost}
  periodSeconds: 10
  initialDelaySeconds: 10
  failureThreshold: 6
readinessProbe:
  httpGet: {path: /readiness, port: 9099, host: localhost}
  periodSeconds: 10`,
  extraContainers: `- name: kube-flannel
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
  - {name: flannel-cfg, mountPath: /etc/kube-flannel/}`,
  extraVolumes: '- {name: flannel-cfg, configMap: {name: canal-config}}',
})}`;
  return addonFromYaml('network', 'network: canal', yamlText);
}
