import type { TaskChange } from '../executor/task.js';
import { CNI_BRIDGE, CNI_CONFIG_PATH } from './cni-config.js';
import { RULE_COMMENT, VXLAN_DEVICE } from './vxlan-config.js';

/**
 * One script that undoes the overlay on a node: deleting the device takes its routes,
 * neighbours and forwarding entries with it; the bridge goes with the pods' addresses; only
 * iptables rules carrying drover's comment are deleted. Sysctls stay: Docker needs
 * ip_forward too. Missing pieces are fine (the script can run twice).
 */
export function vxlanRemoveScript(): string {
  const rules = (table: string, chain: string) =>
    `iptables -w 5 -t ${table} -S ${chain} | grep -e '--comment ${RULE_COMMENT}' -e '--comment "${RULE_COMMENT}"' | sed 's/^-A /-D /' | while read -r rule; do eval "iptables -w 5 -t ${table} $rule"; done`;
  return [
    'set -e',
    'PATH="$PATH:/usr/sbin:/sbin"',
    `if ip link show dev ${VXLAN_DEVICE} >/dev/null 2>&1; then ip link del ${VXLAN_DEVICE}; fi`,
    `if ip link show dev ${CNI_BRIDGE} >/dev/null 2>&1; then ip link del ${CNI_BRIDGE}; fi`,
    rules('filter', 'FORWARD'),
    rules('nat', 'POSTROUTING'),
    `rm -f ${CNI_CONFIG_PATH}`,
  ].join('\n');
}

/** Read-only: prints what vxlanRemoveScript would delete, one `kind value` line each. */
export function vxlanRemovalReadScript(): string {
  return [
    'PATH="$PATH:/usr/sbin:/sbin"',
    `ip link show dev ${VXLAN_DEVICE} >/dev/null 2>&1 && echo link ${VXLAN_DEVICE}`,
    `ip link show dev ${CNI_BRIDGE} >/dev/null 2>&1 && echo link ${CNI_BRIDGE}`,
    `iptables -w 5 -S FORWARD | grep -e '--comment ${RULE_COMMENT}' | sed 's/^/rule /'`,
    `iptables -w 5 -t nat -S POSTROUTING | grep -e '--comment ${RULE_COMMENT}' | sed 's/^/nat-rule /'`,
    `test -e ${CNI_CONFIG_PATH} && echo file ${CNI_CONFIG_PATH}`,
    'true',
  ].join('\n');
}

export function removalChanges(output: string): TaskChange[] {
  return output
    .split('\n')
    .map((l) => /^(link|rule|nat-rule|file) (.+)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => {
      const [, kind, value] = m as unknown as [string, string, string];
      const subject =
        kind === 'link' ? (value === VXLAN_DEVICE ? `vxlan device ${value} with its routes, neighbours and forwarding entries` : `bridge ${value}`)
        : kind === 'rule' ? `iptables rule ${value}`
        : kind === 'nat-rule' ? `iptables -t nat rule ${value}`
        : value;
      return { action: 'delete' as const, subject };
    });
}
