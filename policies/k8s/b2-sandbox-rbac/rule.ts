import { AdmissionRule } from '../rule';

const ID = 'SBX-B2-sandbox-rbac';

export const rule: AdmissionRule = {
  id: ID,
  title: 'Only the platform identity may create or change RBAC objects in a sandbox namespace',
  blocks:
    'Roles and RoleBindings created or changed in a sandbox namespace by anyone but the platform identity.',
  why:
    'A RoleBinding in the sandbox could hand the agent’s service account rights; the runner must not be ' +
    'able to grant itself more either.',
  severity: 'critical',
  enabledByDefault: true,
  scope: 'sandbox-namespaces',
  needsPlatformIdentity: true,
  match: [
    {
      apiGroups: ['rbac.authorization.k8s.io'],
      resources: ['roles', 'rolebindings'],
      operations: ['CREATE', 'UPDATE'],
    },
  ],
  validations: [
    {
      expression: 'variables.isPlatform',
      messageExpression: `'kind: ' + request.kind.kind + ' in a sandbox namespace may only be written by the platform identity [${ID}]'`,
    },
  ],
};
