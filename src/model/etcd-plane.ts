/**
 * What the state remembers of the etcd plane: the cluster token, and how each member was started
 * (its initial cluster), so a membership change does not restart the members that did not change.
 */
export interface EtcdMemberRecord {
  /** Addresses of the members this one started with (itself included). */
  initialMembers: string[];
  initialState: 'new' | 'existing';
}

export interface EtcdPlaneState {
  clusterToken: string;
  members: Record<string, EtcdMemberRecord>;
}
