/**
 * Evaluates objects against the admission policy pack offline, the way the API server would:
 * the same policies, match rules, variables, CEL and messages (`eval-sandbox policy check`).
 */
import { PLATFORM_GROUP } from '../../constructs/shared/platform';
import { celMap, CelValue } from '@bufbuild/cel';
import { compile, Compiled, toCel } from './cel';
import { buildPolicyPack, KubeObject, PolicyPackOptions, PolicyPair } from './pack';
import { DEFAULT_PARAMETERS, resolveParameters } from './parameters';
import { KUBE_RESOURCES } from './kinds';

/** The namespace objects without one are judged in: a sandbox namespace. */
export const DEFAULT_NAMESPACE = 'sbx-policy-check';

/** Who sends the request. */
export interface UserInfo {
  readonly username: string;
  readonly groups: string[];
}

/** The request an object is evaluated as. */
export interface RequestOptions {
  /** @default 'CREATE' */
  readonly operation?: 'CREATE' | 'UPDATE' | 'DELETE';
  /** The object before an UPDATE or DELETE. */
  readonly oldObject?: KubeObject;
  /**
   * The subresource written (`status`, `finalize`, `ephemeralcontainers`, `resize`…); the object is
   * then the whole parent object, as the API server passes it to admission.
   *
   * @default - the main resource
   */
  readonly subresource?: string;
  /** @default the platform identity (see {@link DEFAULT_USER}) */
  readonly userInfo?: UserInfo;
  /**
   * The namespace the object is written in. It is a sandbox namespace when its name starts with the
   * sandbox prefix (SBX-B3 makes every sandbox namespace carry it), as on the cluster.
   *
   * @default - the object's own namespace, else {@link DEFAULT_NAMESPACE} (a sandbox)
   */
  readonly namespace?: string;
}

/** One broken rule. */
export interface Violation {
  readonly rule: string;
  readonly message: string;
}

/** The answer for one object. */
export interface Verdict {
  readonly admitted: boolean;
  readonly violations: Violation[];
}

/**
 * The identity offline checks run as: the platform identity applying reviewed manifests (as the
 * GitOps controller does), so identity rules (SBX-B*) pass unless another user is given.
 */
export const DEFAULT_USER: UserInfo = {
  username: 'eval-sandbox:policy-check',
  groups: [PLATFORM_GROUP, 'system:authenticated'],
};

/** Group, version, resource and scope of an object, from its apiVersion and kind. */
export function resourceOf(object: KubeObject): {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
} {
  const apiVersion = String(object.apiVersion ?? '');
  const slash = apiVersion.indexOf('/');
  const group = slash >= 0 ? apiVersion.slice(0, slash) : '';
  const version = slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion;
  const known = KUBE_RESOURCES[String(object.kind)];
  // Unknown kinds: the usual plural; no rule of the pack matches them either way.
  return {
    group,
    version,
    ...(known ?? { resource: `${String(object.kind).toLowerCase()}s`, namespaced: true }),
  };
}

interface CompiledPolicy {
  readonly ruleId: string;
  readonly pair: PolicyPair;
  readonly matchConditions: { name: string; run: Compiled }[];
  /**
   * `slot` identifies a variable together with every variable before it (the same names and
   * expressions in the same order), so policies that declare the same variables share the values.
   */
  readonly variables: { name: string; slot: number; run: Compiled }[];
  readonly validations: { expression: string; run: Compiled; message: Compiled }[];
}

/** Evaluates objects against a policy pack. Build once, evaluate many. */
export class PolicyEvaluator {
  /** The evaluator for the pack built with `options`. */
  public static forPack(options: PolicyPackOptions = {}): PolicyEvaluator {
    const prefix = resolveParameters(options.parameters).sandboxNamespacePrefix;
    return new PolicyEvaluator(buildPolicyPack(options), prefix);
  }

  private readonly policies: CompiledPolicy[];

  /**
   * @param pairs the policies and bindings to evaluate
   * @param sandboxNamespacePrefix how sandbox namespaces are named (the pack parameter)
   */
  constructor(
    pairs: PolicyPair[],
    private readonly sandboxNamespacePrefix: string = DEFAULT_PARAMETERS.sandboxNamespacePrefix,
  ) {
    const slots = new Map<string, number>();
    const slotOf = (key: string) => {
      if (!slots.has(key)) slots.set(key, slots.size);
      return slots.get(key) as number;
    };
    this.policies = pairs.map((pair) => {
      const spec = pair.policy.spec;
      return {
        ruleId: pair.rule.id,
        pair,
        matchConditions: (spec.matchConditions ?? []).map((c: KubeObject) => ({
          name: c.name,
          run: compile(c.expression),
        })),
        variables: (spec.variables ?? []).map((v: KubeObject, i: number, all: KubeObject[]) => ({
          name: v.name,
          slot: slotOf(JSON.stringify(all.slice(0, i + 1).map((x) => [x.name, x.expression]))),
          run: compile(v.expression),
        })),
        validations: spec.validations.map((v: KubeObject) => ({
          expression: v.expression,
          run: compile(v.expression),
          message: compile(v.messageExpression),
        })),
      };
    });
  }

  /** Evaluates `object` as a request into a sandbox namespace. */
  public evaluate(object: KubeObject, options: RequestOptions = {}): Verdict {
    const operation = options.operation ?? 'CREATE';
    const gvr = resourceOf(object);
    const subresource = options.subresource ?? '';
    const userInfo = options.userInfo ?? DEFAULT_USER;
    const namespace = gvr.namespaced
      ? (options.namespace ?? object.metadata?.namespace ?? DEFAULT_NAMESPACE)
      : '';
    const request = toCel({
      operation,
      kind: { group: gvr.group, version: gvr.version, kind: object.kind },
      resource: { group: gvr.group, version: gvr.version, resource: gvr.resource },
      // The API server leaves subResource out of a request to the main resource (has() is false).
      ...(subresource === '' ? {} : { subResource: subresource }),
      name: object.metadata?.name ?? '',
      namespace,
      userInfo: { username: userInfo.username, groups: userInfo.groups },
    });
    const bindingsBase = {
      object: operation === 'DELETE' ? null : toCel(object),
      oldObject: options.oldObject ? toCel(options.oldObject) : null,
      request,
    };

    const violations: Violation[] = builtInAdmission(object, operation, subresource);
    // Policies that declare the same variables (all workload rules do) share their values.
    const shared: unknown[] = [];
    for (const p of this.matching(gvr, subresource, operation, namespace)) {
      const fail = (message: string) => violations.push({ rule: p.ruleId, message });
      try {
        const variables = new Map<string, CelValue>();
        // Wrapped once: the planner would wrap a native Map again on every access.
        const bindings = { ...bindingsBase, variables: celMap(variables) };
        if (!p.matchConditions.every((c) => c.run(bindings) === true)) continue;
        for (const v of p.variables) {
          if (!(v.slot in shared)) shared[v.slot] = v.run(bindings);
          variables.set(v.name, shared[v.slot] as CelValue);
        }
        for (const v of p.validations) {
          let ok: unknown;
          try {
            ok = v.run(bindings);
          } catch (err) {
            fail(`expression error (failurePolicy Fail): ${(err as Error).message} [${p.ruleId}]`);
            continue;
          }
          if (ok === true) continue;
          let message: string;
          try {
            message = String(v.message(bindings));
          } catch {
            message = `failed expression: ${v.expression} [${p.ruleId}]`;
          }
          fail(message);
        }
      } catch (err) {
        fail(`evaluation error (failurePolicy Fail): ${(err as Error).message} [${p.ruleId}]`);
      }
    }
    return { admitted: violations.length === 0, violations };
  }

  /** The policies a request of this shape goes to, worked out once per shape. */
  private readonly matchingByShape = new Map<string, CompiledPolicy[]>();

  private matching(
    gvr: ReturnType<typeof resourceOf>,
    subresource: string,
    operation: string,
    namespace: string,
  ): CompiledPolicy[] {
    const sandbox = gvr.namespaced && namespace.startsWith(this.sandboxNamespacePrefix);
    const shape = JSON.stringify([
      gvr.group,
      gvr.resource,
      gvr.namespaced,
      subresource,
      operation,
      sandbox,
    ]);
    let found = this.matchingByShape.get(shape);
    if (!found) {
      found = this.policies.filter((p) => this.matches(p, gvr, subresource, operation, namespace));
      this.matchingByShape.set(shape, found);
    }
    return found;
  }

  private matches(
    p: CompiledPolicy,
    gvr: ReturnType<typeof resourceOf>,
    subresource: string,
    operation: string,
    namespace: string,
  ): boolean {
    const rules: KubeObject[] = p.pair.policy.spec.matchConstraints.resourceRules;
    // As the API server matches: `pods` is the main resource only, `pods/x` one subresource,
    // `pods/*` every subresource, `*` every main resource, `*/x` that subresource of any.
    const resourceMatches = (r: string) =>
      subresource === ''
        ? r === '*' || r === gvr.resource
        : r === '*/*' ||
          r === `${gvr.resource}/${subresource}` ||
          r === `${gvr.resource}/*` ||
          r === `*/${subresource}`;
    const resourceMatch = rules.some(
      (r) =>
        (r.apiGroups.includes('*') || r.apiGroups.includes(gvr.group)) &&
        (r.resources as string[]).some(resourceMatches) &&
        (r.operations.includes('*') || r.operations.includes(operation)),
    );
    if (!resourceMatch) return false;
    // Bound to sandbox namespaces: offline, every namespaced object is in one.
    const selector = p.pair.binding.spec.matchResources?.namespaceSelector;
    return (
      selector === undefined ||
      (gvr.namespaced && namespace.startsWith(this.sandboxNamespacePrefix))
    );
  }
}

/**
 * The built-in admission plugins whose refusals the pack relies on and that offline evaluation must
 * reproduce so that `policy check` and the cluster agree. RuntimeClass admission sets a Pod's
 * `spec.overhead` from its RuntimeClass and refuses a Pod that brings its own (a Pod cannot shrink
 * the overhead the scheduler and the quota count).
 */
export function builtInAdmission(
  object: KubeObject,
  operation: string,
  subresource: string,
): Violation[] {
  if (
    object.kind === 'Pod' &&
    operation === 'CREATE' &&
    subresource === '' &&
    object.spec?.overhead
  )
    return [
      {
        rule: 'admission:RuntimeClass',
        message:
          'spec.overhead: must not be set by the client; RuntimeClass admission fills it in from the RuntimeClass [admission:RuntimeClass]',
      },
    ];
  return [];
}
