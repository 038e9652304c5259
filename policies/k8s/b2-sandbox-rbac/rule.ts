import { ResolvedParameters } from '../parameters';
import { AdmissionRule, celStringList } from '../rule';

const ID = 'SBX-B2-sandbox-rbac';

/** What only the platform identity (and the cluster's own controllers) may write in a sandbox. */
export const PLATFORM_ONLY_RESOURCES = [
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'] },
  { apiGroups: [''], resources: ['resourcequotas', 'limitranges', 'endpoints'] },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'] },
];

export function rule(p: ResolvedParameters): AdmissionRule {
  return {
    id: ID,
    title:
      'Only the platform identity may write RBAC, quotas, limits, network policies and endpoints in a sandbox namespace',
    blocks:
      'Creating, changing or deleting Roles, RoleBindings, ResourceQuotas, LimitRanges, NetworkPolicies, ' +
      'Endpoints or EndpointSlices in a sandbox namespace by anyone but the platform identity (the ' +
      'cluster’s own controllers may maintain endpoints and clean up a namespace being deleted).',
    why:
      'A RoleBinding could hand the agent’s service account rights; deleting the quota, the LimitRange or ' +
      'the default-deny NetworkPolicy would lift the sandbox’s bounds; a hand-made EndpointSlice can point ' +
      'a Service at any address (the metadata service included). The runner must not be able to do any of ' +
      'it either.',
    severity: 'critical',
    enabledByDefault: true,
    scope: 'sandbox-namespaces',
    needsPlatformIdentity: true,
    parameters: ['systemControllers'],
    match: PLATFORM_ONLY_RESOURCES.map((m) => ({
      ...m,
      operations: ['CREATE', 'UPDATE', 'DELETE'],
    })),
    validations: [
      {
        expression:
          `variables.isPlatform || (has(request.userInfo.username) && ` +
          `request.userInfo.username in ${celStringList(p.systemControllers)})`,
        messageExpression: `'kind: ' + request.kind.kind + ' in a sandbox namespace may only be ' + (request.operation == 'DELETE' ? 'deleted' : 'written') + ' by the platform identity [${ID}]'`,
      },
    ],
  };
}
