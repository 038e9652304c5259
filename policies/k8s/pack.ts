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

/** The name of the match condition {@link failsAValidation} builds. */
export const FAILS_A_VALIDATION = 'fails-a-validation';

/**
 * `expression` with every `variables.<name>` outside string literals replaced by
 * `replace(name)`.
 */
export function replaceVariables(expression: string, replace: (name: string) => string): string {
  let out = '';
  let i = 0;
  while (i < expression.length) {
    const ch = expression[i];
    if (ch === "'" || ch === '"') {
      // A string literal, copied as it is: triple-quoted or not, backslash escapes inside.
      const quote = expression.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      let j = i + quote.length;
      while (j < expression.length && !expression.startsWith(quote, j))
        j += expression[j] === '\\' ? 2 : 1;
      if (j >= expression.length) throw new Error(`unterminated string literal in: ${expression}`);
      out += expression.slice(i, j + quote.length);
      i = j + quote.length;
      continue;
    }
    const m = /^variables\.([A-Za-z_][A-Za-z0-9_]*)/.exec(expression.slice(i));
    if (m && (i === 0 || !/[A-Za-z0-9_.]/.test(expression[i - 1]))) {
      out += replace(m[1]);
      i += m[0].length;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/**
 * A match condition that holds when the request fails at least one of the rule's validations.
 *
 * Per policy and request, the API server converts the object to unstructured and builds a CEL
 * activation (~60–70 µs for a Pod) for the match conditions, again for the validations, and again
 * for the message expressions, which it evaluates on every request, passed or not. With this
 * condition last, a request that passes every validation costs one activation and one evaluation
 * of the rule; a request that fails one is evaluated as before, with the same messages.
 *
 * Match conditions cannot see `variables`: each variable the validations use is bound once, in
 * declaration order, as the element of a one-element list (`[expr].all(var_name, …)`, CEL's only
 * let). A variable is then evaluated even where no validation would read it: the pack's variables
 * fail only on an object without a pod spec, which the API server's own validation refuses first;
 * offline, such an object is still refused by the rule, with an evaluation error for a message.
 * The condition is one expression, held to the API server's per-expression cost limit as a whole,
 * where each validation was held to it alone (a compliant Pod with thousands of containers is
 * refused as too costly sooner: SBX-R2 from between 2,400 and 3,200 containers instead of between
 * 3,200 and 4,800).
 *
 * `undefined` for a rule that refuses everything it matches: there is nothing to skip.
 */
export function failsAValidation(
  rule: AdmissionRule,
  variables: readonly RuleVariable[],
): RuleVariable | undefined {
  if (rule.validations.every((v) => v.expression.trim() === 'false')) return undefined;
  const known = new Set(variables.map((v) => v.name));
  const bound = (name: string) => {
    if (!known.has(name)) throw new Error(`${rule.id}: unknown variable '${name}'`);
    return `var_${name}`;
  };
  let expression = `!(${rule.validations.map((v) => `(${replaceVariables(v.expression, bound)})`).join(' && ')})`;
  for (const v of [...variables].reverse()) {
    if (new RegExp(`\\b${bound(v.name)}\\b`).test(expression))
      expression = `[${replaceVariables(v.expression, bound)}].all(${bound(v.name)}, ${expression})`;
  }
  return { name: FAILS_A_VALIDATION, expression };
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
    // Last: an earlier condition that is false wins over an error in this one (the API server
    // and the offline evaluator both decide at the first false condition, in order).
    const matchConditions = [
      ...(rule.matchConditions ?? []),
      ...[failsAValidation(rule, variables)].filter((c) => c !== undefined),
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
        ...(matchConditions.length > 0
          ? { matchConditions: matchConditions.map((c) => ({ ...c })) }
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
