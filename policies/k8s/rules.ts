/**
 * Every admission rule, in id order. A test checks this list against the rule folders, so a folder
 * cannot be forgotten here. Rules whose CEL carries a bound are built from the pack parameters.
 */
import { DEFAULT_PARAMETERS, ResolvedParameters } from './parameters';
import { AdmissionRule, RuleBuilder } from './rule';
import { rule as r1 } from './r1-runtime-class/rule';
import { rule as r2 } from './r2-image-digest/rule';
import { rule as r3 } from './r3-pod-security-restricted/rule';
import { rule as r4 } from './r4-no-service-account-token/rule';
import { rule as r5 } from './r5-resource-limits/rule';
import { rule as r6 } from './r6-read-only-root-filesystem/rule';
import { rule as r7 } from './r7-bounded-runtime/rule';
import { rule as r8 } from './r8-no-daemonsets/rule';
import { rule as r9 } from './r9-no-exposed-services/rule';
import { rule as r10 } from './r10-no-metadata-egress/rule';
import { rule as b1 } from './b1-sandbox-namespace-labels/rule';
import { rule as b2 } from './b2-sandbox-rbac/rule';
import { rule as b3 } from './b3-sandbox-namespace-shape/rule';
import { rule as b4 } from './b4-sandbox-subject-bindings/rule';
import { rule as r11 } from './r11-priority-class/rule';
import { rule as r12 } from './r12-volumes/rule';
import { rule as r13 } from './r13-network-peers/rule';
import { rule as r14 } from './r14-no-ephemeral-containers/rule';
import { rule as r15 } from './r15-scheduling-isolation/rule';
import { rule as r16 } from './r16-no-token-secrets/rule';
import { rule as r18 } from './r18-non-root-in-user-namespace/rule';
import { rule as r19 } from './r19-internet-egress-gateway-only/rule';
import { rule as r17 } from './r17-claim-size/rule';
import { rule as x1 } from './x1-no-secrets-in-sandbox/rule';

const fixed =
  (rule: AdmissionRule): RuleBuilder =>
  () =>
    rule;
const asBuilder = (r: AdmissionRule | RuleBuilder): RuleBuilder =>
  typeof r === 'function' ? r : fixed(r);

/** The builders, in id order. */
export const RULE_BUILDERS: readonly RuleBuilder[] = [
  r1,
  r2,
  r3,
  r4,
  r5,
  r6,
  r7,
  r8,
  r9,
  r10,
  r11,
  r12,
  r13,
  r14,
  r15,
  r16,
  r17,
  r18,
  r19,
  b1,
  b2,
  b3,
  b4,
  x1,
].map(asBuilder);

/** Every rule, built with `parameters`. */
export function buildRules(parameters: ResolvedParameters = DEFAULT_PARAMETERS): AdmissionRule[] {
  return RULE_BUILDERS.map((b) => b(parameters));
}

/** Every rule with the default parameters (docs, tests, rule ids). */
export const ALL_RULES: readonly AdmissionRule[] = buildRules();
