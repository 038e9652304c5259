import { AdmissionRule } from '../rule';

const ID = 'SBX-R16-no-token-secrets';

export const rule: AdmissionRule = {
  id: ID,
  title: 'No service-account token Secrets in sandbox namespaces',
  blocks: 'Secrets of type kubernetes.io/service-account-token, created or changed into that type.',
  why:
    'The token controller fills such a Secret with a long-lived token of the service account it names: a ' +
    'credential for the API server that never expires and that the sandbox could mount.',
  severity: 'high',
  enabledByDefault: true,
  scope: 'sandbox-namespaces',
  match: [{ apiGroups: [''], resources: ['secrets'], operations: ['CREATE', 'UPDATE'] }],
  validations: [
    {
      expression: "!has(object.type) || object.type != 'kubernetes.io/service-account-token'",
      messageExpression: `'type: kubernetes.io/service-account-token is not allowed in a sandbox namespace [${ID}]'`,
    },
  ],
};
