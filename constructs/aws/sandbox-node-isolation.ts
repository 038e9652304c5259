// How gVisor (sandbox) nodes are kept out of the cluster security group, for both ways of running
// them: the managed GvisorNodeGroup (node-pool.ts) and Karpenter's nodes (karpenter-controller.ts).
// Not exported from the package.
import { SecurityGroupIngress } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Construct } from 'constructs';
import { EGRESS_GATEWAY_PORT } from '../shared/egress-gateway-config';

/**
 * The ingress of a sandbox node's own security group: the kubelet from the control plane (logs,
 * exec, probes) and, from nodes of the same group, only the egress gateway's port. EKS's cluster
 * security group would open every port between the control plane and all nodes.
 */
export function sandboxNodeIngress(clusterSecurityGroupId: string): SecurityGroupIngress[] {
  return [
    {
      description: 'the kubelet, from the control plane (logs, exec, probes)',
      fromPort: 10250,
      toPort: 10250,
      protocol: 'tcp',
      securityGroups: [clusterSecurityGroupId],
    },
    {
      description: `TCP ${EGRESS_GATEWAY_PORT} from nodes of this pool (egress gateways)`,
      fromPort: EGRESS_GATEWAY_PORT,
      toPort: EGRESS_GATEWAY_PORT,
      protocol: 'tcp',
      selfAttribute: true,
    },
  ];
}

/**
 * What sandbox nodes need of the cluster security group's members, added to that group: the API
 * server (control plane, kubelet registration) and DNS (CoreDNS runs on the system pool, which is in
 * the group). Nothing else of a system node or the control plane is open to them.
 */
export function admitSandboxNodes(
  scope: Construct,
  clusterSecurityGroupId: string,
  nodeSecurityGroupId: string,
  nodes: string,
): void {
  for (const [id, protocol, port, what] of [
    ['ApiServerFromNodes', 'tcp', 443, 'the API server'],
    ['DnsTcpFromNodes', 'tcp', 53, 'DNS (CoreDNS)'],
    ['DnsUdpFromNodes', 'udp', 53, 'DNS (CoreDNS)'],
  ] as const) {
    new VpcSecurityGroupIngressRule(scope, id, {
      securityGroupId: clusterSecurityGroupId,
      referencedSecurityGroupId: nodeSecurityGroupId,
      ipProtocol: protocol,
      fromPort: port,
      toPort: port,
      description: `${what}, from ${nodes}`,
    });
  }
}
