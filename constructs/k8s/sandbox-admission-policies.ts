import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { buildPolicyPack, checkInclude, PolicyPair } from '../../policies/k8s/pack';
import { parameterProblems, PolicyParameters } from '../../policies/k8s/parameters';
import { PLATFORM_GROUP } from '../shared/platform';
import { check } from './internal';

/**
 * Properties for {@link SandboxAdmissionPolicies}.
 */
export interface SandboxAdmissionPoliciesProps {
  /**
   * Groups of the platform identity: the only one that may change a sandbox namespace's labels or
   * write RBAC objects in it. Put your GitOps controller and cluster operators in one of them.
   *
   * @default ['eval-sandbox:platform']
   */
  readonly platformGroups?: string[];

  /**
   * User names of the platform identity, e.g. the GitOps controller's service account
   * (`system:serviceaccount:argocd:argocd-application-controller`).
   *
   * @default - none
   */
  readonly platformUsers?: string[];

  /**
   * Ids of rules that are off by default to enforce as well (e.g. `SBX-X1-no-secrets-in-sandbox`).
   *
   * @default - none: the default pack
   */
  readonly include?: string[];

  /**
   * The bounds the rules enforce: longest deadline and grace period, retries, storage, the sandbox
   * PriorityClass, allowed registries, the cluster DNS peer, the sandbox namespace prefix. They are
   * compiled into the policies' CEL (no parameter object exists in the cluster to be edited).
   *
   * @default - see PolicyParameters: 24 h deadline, 30 s grace, 5 retries, 20Gi, any registry …
   */
  readonly parameters?: PolicyParameters;
}

/**
 * The admission policy pack: a ValidatingAdmissionPolicy (`admissionregistration.k8s.io/v1`, CEL,
 * `failurePolicy: Fail`) and a binding per rule, selected by the sandbox-namespace label. The
 * cluster refuses a weak workload in a sandbox namespace whoever submits it; `eval-sandbox policy
 * check` runs the same CEL offline. See docs/policies.md for the rules.
 */
export class SandboxAdmissionPolicies extends Construct {
  /** The rules, policies and bindings emitted. */
  public readonly pairs: PolicyPair[];
  /** The policy API objects (escape hatch). */
  public readonly policies: ApiObject[];
  /** The binding API objects (escape hatch). */
  public readonly bindings: ApiObject[];

  constructor(scope: Construct, id: string, props: SandboxAdmissionPoliciesProps = {}) {
    super(scope, id);
    const groups = props.platformGroups ?? [PLATFORM_GROUP];
    const users = props.platformUsers ?? [];
    if (groups.length + users.length === 0) {
      check(
        this,
        'platformGroups and platformUsers are both empty: nobody could manage sandbox namespaces; name the platform identity',
      );
    }
    check(this, checkInclude(props.include));
    const problems = parameterProblems(props.parameters);
    if (problems.length > 0) check(this, problems.join('; '));
    this.pairs = buildPolicyPack({
      platformGroups: groups,
      platformUsers: users,
      include: props.include,
      parameters: props.parameters,
    });
    this.policies = this.pairs.map(
      (p) => new ApiObject(this, `${p.rule.id}-Policy`, p.policy as never),
    );
    this.bindings = this.pairs.map(
      (p) => new ApiObject(this, `${p.rule.id}-Binding`, p.binding as never),
    );
  }
}
