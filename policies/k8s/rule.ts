/**
 * The shape of an admission rule: metadata beside the CEL that enforces it.
 *
 * Each rule becomes one ValidatingAdmissionPolicy (and its binding). The same CEL runs in the API
 * server and in `eval-sandbox policy check`, so there is one source of truth.
 */

/** How bad it is to let a violation through. */
export type Severity = 'critical' | 'high' | 'medium';

import type { PolicyParameters, ResolvedParameters } from './parameters';

/** Which requests a rule looks at. */
export interface RuleMatch {
  /** API groups ('' is core). */
  readonly apiGroups: string[];
  /** Resources (plural), and subresources like `pods/ephemeralcontainers`. */
  readonly resources: string[];
  /** Operations. */
  readonly operations: ('CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT')[];
}

/** A named CEL expression evaluated before the validations (`variables.<name>`). */
export interface RuleVariable {
  readonly name: string;
  readonly expression: string;
}

/** One CEL check: the request is refused when `expression` is false. */
export interface RuleValidation {
  /** Must evaluate to true for the request to be admitted. */
  readonly expression: string;
  /** A CEL string expression; the message starts with the field path and ends with the rule id. */
  readonly messageExpression: string;
}

/** An admission rule: one ValidatingAdmissionPolicy. */
export interface AdmissionRule {
  /** Stable id, e.g. `SBX-R1-runtime-class`. Appears in every message. */
  readonly id: string;
  /** One line: what it enforces. */
  readonly title: string;
  /** What it blocks. */
  readonly blocks: string;
  /** Why it matters. */
  readonly why: string;
  readonly severity: Severity;
  /** Part of the default pack. Rules off by default are still built when asked for. */
  readonly enabledByDefault: boolean;
  /** Which requests it sees. */
  readonly match: RuleMatch[];
  /**
   * Where it applies: `sandbox-namespaces` binds with a namespace selector on the sandbox label;
   * `sandbox-namespace-objects` matches Namespace objects that were sandboxes (match conditions);
   * `cluster` binds everywhere (the rule narrows itself with match conditions).
   */
  readonly scope: 'sandbox-namespaces' | 'sandbox-namespace-objects' | 'cluster';
  /**
   * The rule refers to `variables.isPlatform`, which the pack defines from the platform identity
   * (groups and users) it is built for.
   */
  readonly needsPlatformIdentity?: boolean;
  /**
   * What the rule bounds, in a sentence with the resolved parameter values (for docs/policies.md).
   *
   * @default - the rule requires or forbids; it bounds no value
   */
  readonly bound?: string;
  /** The pack parameters the rule's CEL is built from. */
  readonly parameters?: (keyof PolicyParameters)[];
  /**
   * Conditions (CEL) that must all hold for the rule to be evaluated at all. The pack appends
   * `fails-a-validation` (see `failsAValidation` in pack.ts), so the API server skips the rule for
   * a request that passes it.
   */
  readonly matchConditions?: RuleVariable[];
  readonly variables?: RuleVariable[];
  readonly validations: RuleValidation[];
}

/** A CEL string literal. */
export function celString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A CEL list of string literals. */
export function celStringList(values: readonly string[]): string {
  return `[${values.map(celString).join(', ')}]`;
}

/** A rule built from the pack parameters. */
export type RuleBuilder = (p: ResolvedParameters) => AdmissionRule;
