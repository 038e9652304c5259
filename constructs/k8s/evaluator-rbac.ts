import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { AUDITOR_CLUSTER_ROLE, RUNNER_CLUSTER_ROLE } from '../shared/platform';
import { standardLabels } from './internal';

/** One RBAC rule, as emitted. */
export interface RbacRule {
  /** API groups ('' is the core group). */
  readonly apiGroups: string[];
  /** Resources (and subresources like `pods/log`). */
  readonly resources: string[];
  /** Verbs. */
  readonly verbs: string[];
}

const READ = ['get', 'list', 'watch'];

/**
 * The orchestrator's rights inside a sandbox namespace: submit and remove evaluation Jobs, follow
 * their Pods, logs and events. No secrets, no exec/attach/port-forward, no RBAC, no
 * bind/escalate/impersonate, no update or patch of what it did not create.
 */
export const RUNNER_RULES: readonly RbacRule[] = [
  {
    apiGroups: ['batch'],
    resources: ['jobs'],
    verbs: ['create', 'get', 'list', 'watch', 'delete'],
  },
  { apiGroups: [''], resources: ['pods'], verbs: READ },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['events'], verbs: READ },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: READ },
];

/**
 * The auditor's rights inside a sandbox namespace: read what runs there and how it is fenced in.
 * Never secrets or config maps (evaluation configs may carry credentials), never a write.
 */
export const AUDITOR_RULES: readonly RbacRule[] = [
  {
    apiGroups: [''],
    resources: ['pods', 'pods/log', 'events', 'serviceaccounts', 'resourcequotas', 'limitranges'],
    verbs: READ,
  },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: READ },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: READ },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: READ },
];

/**
 * The cluster-scoped half of the platform's RBAC: the `eval-sandbox:runner` and
 * `eval-sandbox:auditor` ClusterRoles. They grant nothing by themselves: each sandbox binds them in
 * its own namespace only (`SandboxNamespace.grantRunEvaluations()` / `grantAudit()`), so no
 * identity gets rights outside sandbox namespaces.
 */
export class EvaluatorRbac extends Construct {
  /** The runner ClusterRole. */
  public readonly runnerRole: kplus.k8s.KubeClusterRole;
  /** The auditor ClusterRole. */
  public readonly auditorRole: kplus.k8s.KubeClusterRole;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.runnerRole = new kplus.k8s.KubeClusterRole(this, 'Runner', {
      metadata: { name: RUNNER_CLUSTER_ROLE, labels: standardLabels('rbac') },
      rules: RUNNER_RULES.map((r) => ({ ...r })),
    });
    this.auditorRole = new kplus.k8s.KubeClusterRole(this, 'Auditor', {
      metadata: { name: AUDITOR_CLUSTER_ROLE, labels: standardLabels('rbac') },
      rules: AUDITOR_RULES.map((r) => ({ ...r })),
    });
  }
}
