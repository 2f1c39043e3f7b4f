import type { ClusterModel } from '../model/cluster.js';
import { addonFromYaml, addonImage, clusterRoleBindingYaml, j, serviceAccountYaml, type Addon } from './addon.js';
import { renderManifests } from './manifest.js';
import { CALICO_NODE_RULES, TOLERATE_ALL, calicoCniConfig, calicoCrds, calicoNodeDaemonSetYaml, indent } from './calico-common.js';

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
  cni_network_config: ${j(calicoCniConfig({ type: 'calico-ipam' }))}
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
${clusterRoleBindingYaml('calico-kube-controllers', 'calico-kube-controllers', 'calico-kube-controllers')}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: calico-node}
rules:
${CALICO_NODE_RULES.trimEnd()}
---
${clusterRoleBindingYaml('calico-node', 'calico-node', 'calico-node')}---
${serviceAccountYaml('calico-node')}---
${serviceAccountYaml('calico-kube-controllers')}---
${calicoNodeDaemonSetYaml({
  name: 'calico-node',
  configMap: 'calico-config',
  cniConfName: '10-calico.conflist',
  images: { cni: addonImage(model, 'calico_cni'), flexvol: addonImage(model, 'calico_flexvol'), node: addonImage(model, 'calico_node') },
  nodeEnv: `- {name: DATASTORE_TYPE, value: kubernetes}
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
  valueFrom: {configMapKeyRef: {name: calico-config, key: veth_mtu}}`,
  probes: `livenessProbe:
  exec: {command: [/bin/calico-node, -felix-live, -bird-live]}
  periodSeconds: 10
  initialDelaySeconds: 10
  failureThreshold: 6
readinessProbe:
  exec: {command: [/bin/calico-node, -felix-ready, -bird-ready]}
  periodSeconds: 10`,
})}---
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
