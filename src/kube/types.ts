/** The few fields of API objects that drover reads (everything else stays unknown). */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface OwnerReference {
  kind: string;
  name: string;
  controller?: boolean;
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  terminated?: { reason?: string; exitCode?: number; message?: string };
  running?: unknown;
}

export interface ContainerStatus {
  name: string;
  image: string;
  ready: boolean;
  restartCount: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Pod {
  metadata: { name: string; namespace: string; uid?: string; annotations?: Record<string, string>; ownerReferences?: OwnerReference[]; deletionTimestamp?: string };
  spec: { nodeName?: string; volumes?: { name: string; emptyDir?: unknown }[]; containers: { name: string; image: string }[] };
  status?: { phase?: string; conditions?: Condition[]; containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[]; reason?: string; message?: string };
}

export interface Workload {
  metadata: { name: string; namespace: string; generation?: number };
  spec: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; updateStrategy?: { type?: string } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    conditions?: Condition[];
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}

export interface NodeObject {
  metadata: { name: string };
  spec?: { unschedulable?: boolean };
  status?: { conditions?: Condition[] };
}

export interface List<T> {
  items: T[];
}

export interface KubeEvent {
  reason?: string;
  message?: string;
  lastTimestamp?: string;
  eventTime?: string;
  count?: number;
}
