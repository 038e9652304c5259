import { AdmissionRule } from '../rule';

const ID = 'SBX-R8-no-daemonsets';

export const rule: AdmissionRule = {
  id: ID,
  title: 'No DaemonSets in sandbox namespaces',
  blocks: 'Every DaemonSet in a sandbox namespace.',
  why: 'A DaemonSet places a pod on every node it tolerates: an agent must not fan out across the pool.',
  severity: 'high',
  enabledByDefault: true,
  scope: 'sandbox-namespaces',
  match: [{ apiGroups: ['apps'], resources: ['daemonsets'], operations: ['CREATE', 'UPDATE'] }],
  validations: [
    {
      expression: 'false',
      messageExpression: `'kind: DaemonSet is not allowed in a sandbox namespace [${ID}]'`,
    },
  ],
};
