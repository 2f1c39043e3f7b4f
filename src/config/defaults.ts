/** RKE v1's defaults, in one place: what an RKE user's file means when a key is left out. */
export const DEFAULTS = {
  sshPort: '22',
  dockerSocket: '/var/run/docker.sock',
  sshKeyPath: '~/.ssh/id_rsa',
  knownHostsPath: '~/.ssh/known_hosts',
  clusterName: 'local',
  serviceClusterIpRange: '10.43.0.0/16',
  serviceNodePortRange: '30000-32767',
  clusterCidr: '10.42.0.0/16',
  clusterDomain: 'cluster.local',
  clusterDnsServer: '10.43.0.10',
  networkPlugin: 'canal',
  authorizationMode: 'rbac',
  maxUnavailableWorker: '10%',
  maxUnavailableControlplane: '1',
  etcdBackupIntervalHours: 12,
  etcdBackupRetention: 6,
} as const;
