import { ResolvedParameters } from '../parameters';
import { AdmissionRule, celString, celStringList } from '../rule';

const ID = 'SBX-B4-sandbox-subject-bindings';

/**
 * A binding subject that is a sandbox's service account, or a group that contains them: the
 * group of one sandbox namespace's service accounts, or of every service account.
 */
function sandboxSubject(s: string, prefix: string): string {
  const p = celString(prefix);
  return (
    `((${s}.kind == 'ServiceAccount' && has(${s}.namespace) && ${s}.namespace.startsWith(${p})) || ` +
    `(${s}.kind == 'Group' && (${s}.name == 'system:serviceaccounts' || ` +
    `${s}.name.startsWith('system:serviceaccounts:' + ${p}))) || ` +
    `(${s}.kind == 'User' && ${s}.name.startsWith('system:serviceaccount:' + ${p})))`
  );
}

export function rule(p: ResolvedParameters): AdmissionRule {
  const subject = (s: string) => sandboxSubject(s, p.sandboxNamespacePrefix);
  return {
    id: ID,
    title: 'Only the platform identity may bind a role to a sandbox’s service accounts, anywhere',
    blocks:
      'RoleBindings (in any namespace) and ClusterRoleBindings written by anyone but the platform identity ' +
      `whose subjects include a service account of a sandbox namespace (named '${p.sandboxNamespacePrefix}…'), ` +
      'the group of a sandbox namespace’s service accounts, or the group of every service account.',
    why:
      'Sandbox service accounts have no rights of their own; a binding outside the sandbox namespace (a ' +
      'ClusterRoleBinding, or a RoleBinding elsewhere) would give them some, out of sight of the ' +
      'namespace-scoped rules.',
    severity: 'critical',
    enabledByDefault: true,
    scope: 'cluster',
    needsPlatformIdentity: true,
    parameters: ['sandboxNamespacePrefix', 'systemControllers'],
    match: [
      {
        apiGroups: ['rbac.authorization.k8s.io'],
        resources: ['rolebindings', 'clusterrolebindings'],
        operations: ['CREATE', 'UPDATE'],
      },
    ],
    validations: [
      {
        expression:
          `variables.isPlatform || request.userInfo.username in ${celStringList(['system:apiserver', ...p.systemControllers])} || ` +
          `!has(object.subjects) || !object.subjects.exists(s, ${subject('s')})`,
        messageExpression:
          `'subjects: ' + object.subjects.filter(s, ${subject('s')}).map(s, s.kind + ' ' + ` +
          `(has(s.namespace) ? s.namespace + '/' : '') + s.name).join(', ') + ` +
          `' may only be bound by the platform identity [${ID}]'`,
      },
    ],
  };
}
