import { AdmissionRule } from '../rule';

const ID = 'SBX-R9-no-exposed-services';

export const rule: AdmissionRule = {
  id: ID,
  title: 'No Services reachable from outside the cluster',
  blocks: 'Services of type NodePort or LoadBalancer, and Services with externalIPs.',
  why: 'A sandbox must not open a port on nodes or a cloud load balancer, nor claim external addresses (CVE-2020-8554).',
  severity: 'high',
  enabledByDefault: true,
  scope: 'sandbox-namespaces',
  match: [{ apiGroups: [''], resources: ['services'], operations: ['CREATE', 'UPDATE'] }],
  validations: [
    {
      expression: "!has(object.spec.type) || !(object.spec.type in ['NodePort', 'LoadBalancer'])",
      messageExpression: `'spec.type: must not be ' + object.spec.type + ' [${ID}]'`,
    },
    {
      expression: '!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0',
      messageExpression: `'spec.externalIPs: must be empty [${ID}]'`,
    },
  ],
};
