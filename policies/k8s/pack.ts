/**
 * Builds the admission policy pack: one ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1)
 * and one binding per rule, as plain objects. The cdk8s construct emits them; the offline checker
 * evaluates the very same objects.
 */
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  COMPONENT_LABEL,
  LABEL_DOMAIN,
  SANDBOX_NAMESPACE_LABEL,
  SANDBOX_NAMESPACE_LABEL_VALUE,
} from '../../constructs/shared/labels';
import { PLATFORM_GROUP } from '../../constructs/shared/platform';
import { PolicyParameters, resolveParameters } from './parameters';
import { AdmissionRule, celStringList, RuleVariable } from './rule';
import { ALL_RULES, buildRules } from './rules';

/** Annotation carrying the rule id on each policy. */
export const RULE_ID_ANNOTATION = `${LABEL_DOMAIN}/rule-id`;
/** Annotation carrying the severity on each policy. */
export const SEVERITY_ANNOTATION = `${LABEL_DOMAIN}/severity`;

/** Options for {@link buildPolicyPack}. */
export interface PolicyPackOptions {
  /**
   * Groups of the platform identity (the GitOps controller, cluster operators).
   *
   * @default [PLATFORM_GROUP] ('eval-sandbox:platform')
   */
  readonly platformGroups?: string[];
  /**
   * User names of the platform identity, e.g. `system:serviceaccount:argocd:argocd-application-controller`.
   *
   * @default - none
   */
  readonly platformUsers?: string[];
  /**
   * Ids of rules that are off by default to include as well.
   *
   * @default - none: the default pack
   */
  readonly include?: string[];
  /**
   * The bounds the rules enforce (deadlines, grace periods, storage, priority, registries…).
   *
   * @default - see {@link PolicyParameters}
   */
  readonly parameters?: PolicyParameters;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeObject = Record<string, any>;

/** One rule's policy and binding. */
export interface PolicyPair {
  readonly rule: AdmissionRule;
  readonly policy: KubeObject;
  readonly binding: KubeObject;
}

/** A problem with `include` (an unknown rule id), or `undefined`. */
export function checkInclude(include: readonly string[] = []): string | undefined {
  const unknown = include.filter((id) => !ALL_RULES.some((r) => r.id === id));
  if (unknown.length === 0) return undefined;
  return `include: unknown rule ${unknown.map((id) => `'${id}'`).join(', ')}; known rules: ${ALL_RULES.map((r) => r.id).join(', ')}`;
}

/** The rules of the pack for `options`; unknown ids in `include` and bad parameters throw. */
export function selectRules(options: PolicyPackOptions = {}): AdmissionRule[] {
  const problem = checkInclude(options.include);
  if (problem) throw new Error(problem);
  const include = new Set(options.include ?? []);
  return buildRules(resolveParameters(options.parameters)).filter(
    (r) => r.enabledByDefault || include.has(r.id),
  );
}

/** The CEL that says whether the request comes from the platform identity. */
export function platformIdentityExpression(options: PolicyPackOptions = {}): string {
  const groups = options.platformGroups ?? [PLATFORM_GROUP];
  const users = options.platformUsers ?? [];
  return (
    `(has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ${celStringList(groups)})) || ` +
    `(has(request.userInfo.username) && request.userInfo.username in ${celStringList(users)})`
  );
}

/** The policy name of a rule: its id in lowercase. */
export function policyName(rule: AdmissionRule): string {
  return rule.id.toLowerCase();
}

/** Builds the policy and binding of every selected rule. */
export function buildPolicyPack(options: PolicyPackOptions = {}): PolicyPair[] {
  const isPlatform: RuleVariable = {
    name: 'isPlatform',
    expression: platformIdentityExpression(options),
  };
  return selectRules(options).map((rule) => {
    const name = policyName(rule);
    const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [COMPONENT_LABEL]: 'admission-policy' };
    const variables = [
      ...(rule.variables ?? []),
      ...(rule.needsPlatformIdentity ? [isPlatform] : []),
    ];
    const policy: KubeObject = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: {
        name,
        labels,
        annotations: { [RULE_ID_ANNOTATION]: rule.id, [SEVERITY_ANNOTATION]: rule.severity },
      },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: rule.match.map((m) => ({
            apiGroups: [...m.apiGroups],
            apiVersions: ['*'],
            operations: [...m.operations],
            resources: [...m.resources],
          })),
        },
        ...(rule.matchConditions
          ? { matchConditions: rule.matchConditions.map((c) => ({ ...c })) }
          : {}),
        ...(variables.length > 0 ? { variables: variables.map((v) => ({ ...v })) } : {}),
        validations: rule.validations.map((v) => ({ ...v, reason: 'Forbidden' })),
      },
    };
    const binding: KubeObject = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name, labels },
      spec: {
        policyName: name,
        validationActions: ['Deny'],
        ...(rule.scope === 'sandbox-namespaces'
          ? {
              matchResources: {
                namespaceSelector: {
                  matchLabels: { [SANDBOX_NAMESPACE_LABEL]: SANDBOX_NAMESPACE_LABEL_VALUE },
                },
              },
            }
          : {}),
      },
    };
    return { rule, policy, binding };
  });
}
