import { j } from './addon.js';
import type { KubeObject } from './kube-object.js';

/**
 * Calico's CustomResourceDefinitions (crd.projectcalico.org/v1), shared by calico and canal.
 * apiextensions v1 needs a schema; Calico validates these objects itself, so each keeps
 * unknown fields, as Calico's own v1 CRDs of the 3.17 era did for most kinds.
 */
const CALICO_KINDS: [kind: string, plural: string, namespaced: boolean][] = [
  ['BGPConfiguration', 'bgpconfigurations', false],
  ['BGPPeer', 'bgppeers', false],
  ['BlockAffinity', 'blockaffinities', false],
  ['ClusterInformation', 'clusterinformations', false],
  ['FelixConfiguration', 'felixconfigurations', false],
  ['GlobalNetworkPolicy', 'globalnetworkpolicies', false],
  ['GlobalNetworkSet', 'globalnetworksets', false],
  ['HostEndpoint', 'hostendpoints', false],
  ['IPAMBlock', 'ipamblocks', false],
  ['IPAMConfig', 'ipamconfigs', false],
  ['IPAMHandle', 'ipamhandles', false],
  ['IPPool', 'ippools', false],
  ['KubeControllersConfiguration', 'kubecontrollersconfigurations', false],
  ['NetworkPolicy', 'networkpolicies', true],
  ['NetworkSet', 'networksets', true],
];

export function calicoCrds(): KubeObject[] {
  return CALICO_KINDS.map(([kind, plural, namespaced]) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.crd.projectcalico.org` },
    spec: {
      group: 'crd.projectcalico.org',
      scope: namespaced ? 'Namespaced' : 'Cluster',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  }));
}

/** What calico-node may read and write (the ClusterRole both calico and canal bind). */
export const CALICO_NODE_RULES = `- {apiGroups: [""], resources: [pods, nodes, namespaces], verbs: [get]}
- {apiGroups: [""], resources: [endpoints, services], verbs: [watch, list, get]}
- {apiGroups: [""], resources: [configmaps], verbs: [get]}
- {apiGroups: [""], resources: [nodes/status], verbs: [patch, update]}
- {apiGroups: [networking.k8s.io], resources: [networkpolicies], verbs: [watch, list]}
- {apiGroups: [""], resources: [pods, namespaces, serviceaccounts], verbs: [list, watch]}
- {apiGroups: [""], resources: [pods/status], verbs: [patch]}
- apiGroups: [crd.projectcalico.org]
  resources: [globalfelixconfigs, felixconfigurations, bgppeers, globalbgpconfigs, bgpconfigurations, ippools, ipamblocks, globalnetworkpolicies, globalnetworksets, networkpolicies, networksets, clusterinformations, hostendpoints, blockaffinities]
  verbs: [get, list, watch]
- {apiGroups: [crd.projectcalico.org], resources: [ippools, felixconfigurations, clusterinformations], verbs: [create, update]}
- {apiGroups: [""], resources: [nodes], verbs: [get, list, watch]}
- {apiGroups: [crd.projectcalico.org], resources: [bgpconfigurations, bgppeers], verbs: [create, update]}
- {apiGroups: [crd.projectcalico.org], resources: [blockaffinities, ipamblocks, ipamhandles], verbs: [get, list, create, update, delete]}
- {apiGroups: [crd.projectcalico.org], resources: [ipamconfigs], verbs: [get]}
- {apiGroups: [crd.projectcalico.org], resources: [blockaffinities], verbs: [watch]}
- {apiGroups: [apps], resources: [daemonsets], verbs: [get]}
`;

/** The host paths calico-node and the CNI installer mount (same in calico and canal). */
export const CALICO_HOST_VOLUMES = `- {name: lib-modules, hostPath: {path: /lib/modules}}
- {name: var-run-calico, hostPath: {path: /var/run/calico}}
- {name: var-lib-calico, hostPath: {path: /var/lib/calico}}
- {name: xtables-lock, hostPath: {path: /run/xtables.lock, type: FileOrCreate}}
- {name: cni-bin-dir, hostPath: {path: /opt/cni/bin}}
- {name: cni-net-dir, hostPath: {path: /etc/cni/net.d}}
- {name: host-local-net-dir, hostPath: {path: /var/lib/cni/networks}}
- {name: policysync, hostPath: {type: DirectoryOrCreate, path: /var/run/nodeagent}}
- {name: flexvol-driver-host, hostPath: {type: DirectoryOrCreate, path: /usr/libexec/kubernetes/kubelet-plugins/volume/exec/nodeagent~uds}}
`;

export const CALICO_NODE_MOUNTS = `- {mountPath: /lib/modules, name: lib-modules, readOnly: true}
- {mountPath: /run/xtables.lock, name: xtables-lock, readOnly: false}
- {mountPath: /var/run/calico, name: var-run-calico, readOnly: false}
- {mountPath: /var/lib/calico, name: var-lib-calico, readOnly: false}
- {mountPath: /var/run/nodeagent, name: policysync}
`;

/** Tolerate everything: the network must run on every node, tainted or not. */
export const TOLERATE_ALL = `- {effect: NoSchedule, operator: Exists}
- {key: CriticalAddonsOnly, operator: Exists}
- {effect: NoExecute, operator: Exists}
`;

/** Indent a YAML block (the constants above) to sit under a key at `spaces`. */
export const indent = (block: string, spaces: number): string =>
  block.trimEnd().split('\n').map((l) => ' '.repeat(spaces) + l).join('\n');

/** What flanneld may read and write (the ClusterRole of flannel, and of canal's flannel half). */
export const FLANNEL_RULES = `- {apiGroups: [""], resources: [pods], verbs: [get]}
- {apiGroups: [""], resources: [nodes], verbs: [list, watch]}
- {apiGroups: [""], resources: [nodes/status], verbs: [patch]}
`;

/** The CNI config calico's installer writes (__KUBERNETES_NODE_NAME__ etc. are its placeholders). */
export function calicoCniConfig(ipam: Record<string, unknown>): string {
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
          ipam,
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

export interface CalicoNodeDaemonSet {
  /** DaemonSet name, its k8s-app label and its service account (calico-node, canal). */
  name: string;
  /** The ConfigMap with cni_network_config and veth_mtu. */
  configMap: string;
  cniConfName: string;
  images: { cni: string; flexvol: string; node: string };
  /** calico-node's own env entries (YAML list items at column 0), before the common ones. */
  nodeEnv: string;
  /** livenessProbe and readinessProbe of calico-node (YAML at column 0). */
  probes: string;
  /** More containers (YAML list items at column 0) and volumes beside calico's host paths. */
  extraContainers?: string;
  extraVolumes?: string;
}

/** The calico-node DaemonSet of calico and canal: CNI installer, flexvolume driver, calico-node. */
export function calicoNodeDaemonSetYaml(d: CalicoNodeDaemonSet): string {
  return `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ${j(d.name)}, namespace: kube-system, labels: {k8s-app: ${j(d.name)}}}
spec:
  selector:
    matchLabels: {k8s-app: ${j(d.name)}}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}
  template:
    metadata:
      labels: {k8s-app: ${j(d.name)}}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      hostNetwork: true
      tolerations:
${indent(TOLERATE_ALL, 6)}
      serviceAccountName: ${j(d.name)}
      terminationGracePeriodSeconds: 0
      priorityClassName: system-node-critical
      initContainers:
      - name: install-cni
        image: ${j(d.images.cni)}
        command: [/opt/cni/bin/install]
        env:
        - {name: CNI_CONF_NAME, value: ${j(d.cniConfName)}}
        - name: CNI_NETWORK_CONFIG
          valueFrom: {configMapKeyRef: {name: ${j(d.configMap)}, key: cni_network_config}}
        - name: KUBERNETES_NODE_NAME
          valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
        - name: CNI_MTU
          valueFrom: {configMapKeyRef: {name: ${j(d.configMap)}, key: veth_mtu}}
        - {name: SLEEP, value: "false"}
        volumeMounts:
        - {mountPath: /host/opt/cni/bin, name: cni-bin-dir}
        - {mountPath: /host/etc/cni/net.d, name: cni-net-dir}
        securityContext: {privileged: true}
      - name: flexvol-driver
        image: ${j(d.images.flexvol)}
        volumeMounts:
        - {name: flexvol-driver-host, mountPath: /host/driver}
        securityContext: {privileged: true}
      containers:
      - name: calico-node
        image: ${j(d.images.node)}
        env:
${indent(d.nodeEnv, 8)}
        - {name: CALICO_DISABLE_FILE_LOGGING, value: "true"}
        - {name: FELIX_DEFAULTENDPOINTTOHOSTACTION, value: ACCEPT}
        - {name: FELIX_IPV6SUPPORT, value: "false"}
        - {name: FELIX_LOGSEVERITYSCREEN, value: info}
        - {name: FELIX_HEALTHENABLED, value: "true"}
        securityContext: {privileged: true}
        resources:
          requests: {cpu: 250m}
${indent(d.probes, 8)}
        volumeMounts:
${indent(CALICO_NODE_MOUNTS, 8)}
${d.extraContainers ? indent(d.extraContainers, 6) + '\n' : ''}      volumes:
${indent(CALICO_HOST_VOLUMES, 6)}
${d.extraVolumes ? indent(d.extraVolumes, 6) + '\n' : ''}`;
}
