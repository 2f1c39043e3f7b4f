import type { VxlanNodeConfig } from './vxlan-config.js';

/**
 * The CNI config kubelet reads for the vxlan network: a `cni0` bridge acting as the pods'
 * gateway (its address is the node subnet's .1, the device holds .0), host-local addresses out
 * of the node's subnet, and portmap for hostPort. No loopback file: kubelet 1.20's CNI plugin
 * sets up `lo` itself (it only needs the loopback binary in the CNI bin dir).
 */
export const CNI_CONFIG_DIR = '/etc/cni/net.d';
export const CNI_CONFIG_PATH = `${CNI_CONFIG_DIR}/10-drover-vxlan.conflist`;
export const CNI_BRIDGE = 'cni0';
export const CNI_NETWORK_NAME = 'drover-vxlan';

export function cniConflist(cfg: Pick<VxlanNodeConfig, 'subnet' | 'mtu'>): string {
  const conflist = {
    // 0.3.1: what both kubelet 1.20's libcni and current plugins speak.
    cniVersion: '0.3.1',
    name: CNI_NETWORK_NAME,
    plugins: [
      {
        type: 'bridge',
        bridge: CNI_BRIDGE,
        isGateway: true,
        hairpinMode: true,
        // Masquerading is one node-wide rule (see vxlan-converge.ts), not one per pod.
        ipMasq: false,
        mtu: cfg.mtu,
        ipam: { type: 'host-local', ranges: [[{ subnet: cfg.subnet }]], routes: [{ dst: '0.0.0.0/0' }] },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
  return `${JSON.stringify(conflist, null, 2)}\n`;
}
