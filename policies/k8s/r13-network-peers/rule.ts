import { NAMESPACE_NAME_LABEL } from '../../../constructs/shared/labels';
import { ResolvedParameters } from '../parameters';
import { AdmissionRule, celString } from '../rule';

const ID = 'SBX-R13-network-peers';

/** A CEL map literal of string keys and values. */
function celStringMap(entries: Record<string, string>): string {
  return `{${Object.entries(entries)
    .map(([k, v]) => `${celString(k)}: ${celString(v)}`)
    .join(', ')}}`;
}

/** The label selector at `s` is exactly `matchLabels: labels` (no matchExpressions). */
const exactly = (s: string, labels: Record<string, string>) =>
  `(has(${s}.matchLabels) && ${s}.matchLabels == ${celStringMap(labels)} && ` +
  `(!has(${s}.matchExpressions) || size(${s}.matchExpressions) == 0))`;

/** The peer `p` is pods of the policy's own namespace: a podSelector alone. */
const SAME_NAMESPACE = (p: string) =>
  `(has(${p}.podSelector) && !has(${p}.namespaceSelector) && !has(${p}.ipBlock))`;

/** The peer `p` is an ipBlock alone (SBX-R10 bounds its ranges). */
const IP_BLOCK = (p: string) =>
  `(has(${p}.ipBlock) && !has(${p}.namespaceSelector) && !has(${p}.podSelector))`;

/** Every port of the rule `r` is 53 over UDP or TCP (and the rule lists ports). */
const DNS_PORTS = (r: string) =>
  `(has(${r}.ports) && size(${r}.ports) > 0 && ${r}.ports.all(q, has(q.port) && q.port == 53 && ` +
  `!has(q.endPort) && (!has(q.protocol) || q.protocol in ['UDP', 'TCP'])))`;

export function rule(p: ResolvedParameters): AdmissionRule {
  const dnsLabels = Object.entries(p.clusterDnsPodLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const dnsPeer = (peer: string, r: string) =>
    `(has(${peer}.namespaceSelector) && has(${peer}.podSelector) && !has(${peer}.ipBlock) && ` +
    `${exactly(`${peer}.namespaceSelector`, { [NAMESPACE_NAME_LABEL]: p.clusterDnsNamespace })} && ` +
    `${exactly(`${peer}.podSelector`, p.clusterDnsPodLabels)} && ${DNS_PORTS(r)})`;
  return {
    id: ID,
    title: 'Sandbox NetworkPolicies name only their own pods, ipBlocks and the cluster DNS',
    blocks:
      'NetworkPolicy egress to a namespaceSelector (`{}` is every pod of every namespace) other than the ' +
      'cluster DNS pods on port 53, DNS rules without ports or with other ports; ingress rules without ' +
      'sources (from anywhere), and ingress from an ipBlock or another namespace. For every identity, ' +
      'the platform included.',
    why:
      'NetworkPolicies add up: one allow rule in a sandbox namespace overrides its default deny. Egress to ' +
      "other namespaces reaches other tenants' agents and the cluster's own services; ingress from outside " +
      'lets anything reach the agent. No platform exemption: a mistaken GitOps commit must not open a sandbox either.',
    severity: 'critical',
    enabledByDefault: true,
    scope: 'sandbox-namespaces',
    parameters: ['clusterDnsNamespace', 'clusterDnsPodLabels'],
    bound:
      `egress beyond ipBlocks and the namespace's own pods only to pods labelled ${dnsLabels} in ` +
      `namespace ${p.clusterDnsNamespace}, on port 53 UDP/TCP; ingress only from the namespace's own pods`,
    match: [
      {
        apiGroups: ['networking.k8s.io'],
        resources: ['networkpolicies'],
        operations: ['CREATE', 'UPDATE'],
      },
    ],
    validations: [
      {
        expression:
          '!has(object.spec.egress) || object.spec.egress.all(r, !has(r.to) || r.to.all(p, ' +
          `${IP_BLOCK('p')} || ${SAME_NAMESPACE('p')} || ${dnsPeer('p', 'r')}))`,
        messageExpression: celString(
          'spec.egress.to: a peer must be an ipBlock, pods of this namespace (a podSelector alone) or the ' +
            `cluster DNS (namespaceSelector ${NAMESPACE_NAME_LABEL}=${p.clusterDnsNamespace} and podSelector ` +
            `${dnsLabels} exactly, in a rule whose ports are all 53 UDP/TCP) [${ID}]`,
        ),
      },
      {
        expression:
          '!has(object.spec.ingress) || object.spec.ingress.all(r, has(r.from) && size(r.from) > 0)',
        messageExpression: celString(
          `spec.ingress: every rule must name its sources; a rule without from admits every source [${ID}]`,
        ),
      },
      {
        expression: `!has(object.spec.ingress) || object.spec.ingress.all(r, !has(r.from) || r.from.all(p, ${SAME_NAMESPACE('p')}))`,
        messageExpression: celString(
          `spec.ingress.from: a source must be pods of this namespace (a podSelector alone): no ipBlock, no namespaceSelector [${ID}]`,
        ),
      },
    ],
  };
}
