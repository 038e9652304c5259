/**
 * The `fails-a-validation` match condition the pack appends to each policy (so the API server
 * skips a policy for a request that passes it) must never change a decision: judged with and
 * without it, every fixture gets the same verdict and messages, and thousands of mutants of them
 * the same decision from the same rules. The bypass direction (the condition false while a
 * validation refuses) would show as an object admitted with the condition and refused without it.
 */
import { PolicyEvaluator, RequestOptions } from '../../../policies/k8s/evaluate';
import { CATALOGUE, requestOptions } from '../../../policies/k8s/fixtures/catalogue';
import {
  buildPolicyPack,
  FAILS_A_VALIDATION,
  KubeObject,
  PolicyPair,
} from '../../../policies/k8s/pack';
import { seededRandom } from '../../support/random';

const ALL = { include: ['SBX-X1-no-secrets-in-sandbox'] };

/** The pack as built, and the same pack without the condition. */
function evaluators(): { withCondition: PolicyEvaluator; without: PolicyEvaluator } {
  const pairs = buildPolicyPack(ALL);
  const stripped: PolicyPair[] = pairs.map((pair) => {
    const policy = structuredClone(pair.policy);
    const conditions = (policy.spec.matchConditions ?? []).filter(
      (c: KubeObject) => c.name !== FAILS_A_VALIDATION,
    );
    if (conditions.length > 0) policy.spec.matchConditions = conditions;
    else delete policy.spec.matchConditions;
    return { ...pair, policy };
  });
  return { withCondition: new PolicyEvaluator(pairs), without: new PolicyEvaluator(stripped) };
}

/** Every path into `value` (keys and indices). */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(value)
    ? value.map((_, i) => i)
    : Object.keys(value);
  return keys.flatMap((k) => [
    [...prefix, k],
    ...paths((value as Record<string | number, unknown>)[k], [...prefix, k]),
  ]);
}

// Values that flip rules: zero and huge bounds, wrong types, capabilities, profiles, images.
const VALUES: unknown[] = [
  null, 0, -1, 100000, '', 'x', 'ALL', true, false, [], {}, ['ALL'], { type: 'Unconfined' }, '0',
  '16Ti', `localhost:5000/x@sha256:${'0'.repeat(64)}`, 'gvisor', 'runc', '169.254.169.254/32',
]; // prettier-ignore

/** `object` with one to three random deletions or replacements (never apiVersion or kind). */
function mutant(object: KubeObject, rnd: () => number): KubeObject {
  const copy = structuredClone(object);
  const all = paths(copy).filter((p) => p[0] !== 'apiVersion' && p[0] !== 'kind');
  for (let m = 1 + Math.floor(rnd() * 3); m > 0 && all.length > 0; m--) {
    const p = all[Math.floor(rnd() * all.length)];
    let parent: unknown = copy;
    for (const k of p.slice(0, -1)) parent = (parent as Record<string | number, unknown>)?.[k];
    if (parent === null || typeof parent !== 'object') continue;
    const last = p[p.length - 1];
    if (rnd() < 0.5) {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else Reflect.deleteProperty(parent, last);
    } else {
      (parent as Record<string | number, unknown>)[last] = structuredClone(
        VALUES[Math.floor(rnd() * VALUES.length)],
      );
    }
  }
  return copy;
}

/**
 * The decision, and the rules refusing. Where a shared variable fails to evaluate (an object without
 * `metadata` or a pod spec, which the API server's own validation refuses before admission), the
 * offline checker without the condition reports the error from every policy declaring the variable,
 * the API server and the condition only from those whose validations read it: then only the decision
 * is compared.
 */
function outcome(e: PolicyEvaluator, object: KubeObject, options: RequestOptions) {
  const verdict = e.evaluate(object, options);
  return {
    admitted: verdict.admitted,
    rules: [...new Set(verdict.violations.map((v) => v.rule))].sort(),
    errors: verdict.violations.some((v) => v.message.startsWith('evaluation error')),
  };
}

describe('the fails-a-validation match condition', () => {
  const { withCondition, without } = evaluators();

  test('GIVEN the pack THEN every policy that can admit something carries it, last', () => {
    const pairs = buildPolicyPack(ALL);
    for (const pair of pairs) {
      const conditions: KubeObject[] = pair.policy.spec.matchConditions ?? [];
      const refusesAll = pair.policy.spec.validations.every(
        (v: KubeObject) => String(v.expression).trim() === 'false',
      );
      expect({ rule: pair.rule.id, last: conditions.at(-1)?.name }).toEqual({
        rule: pair.rule.id,
        last: refusesAll ? conditions.at(-1)?.name : FAILS_A_VALIDATION,
      });
    }
  });

  test('GIVEN every fixture THEN the same verdict and messages with and without it', () => {
    for (const c of CATALOGUE) {
      const options = requestOptions(c);
      expect({ fixture: c.name, verdict: withCondition.evaluate(c.object, options) }).toEqual({
        fixture: c.name,
        verdict: without.evaluate(c.object, options),
      });
    }
  });

  test('GIVEN 3,000 mutants of the fixtures THEN the same decision with and without it, from the same rules', () => {
    const rnd = seededRandom(7);
    let refused = 0;
    let compared = 0;
    for (let i = 0; i < 3000; i++) {
      const c = CATALOGUE[Math.floor(rnd() * CATALOGUE.length)];
      const object = mutant(c.object, rnd);
      const options = requestOptions(c);
      const got = outcome(withCondition, object, options);
      const want = outcome(without, object, options);
      if (!want.admitted) refused++;
      expect({ fixture: c.name, object, admitted: got.admitted }).toEqual({
        fixture: c.name,
        object,
        admitted: want.admitted,
      });
      if (want.errors) continue;
      compared++;
      expect({ fixture: c.name, object, rules: got.rules }).toEqual({
        fixture: c.name,
        object,
        rules: want.rules,
      });
    }
    // The mutants must reach refusals and rule-by-rule comparisons, or the test proves little.
    expect(refused).toBeGreaterThan(1000);
    expect(compared).toBeGreaterThan(2000);
  });

  test('GIVEN a condition that skips a refusing request (a planted bug) THEN the comparison sees it', () => {
    const pairs = buildPolicyPack(ALL).map((pair) => {
      const policy = structuredClone(pair.policy);
      for (const c of policy.spec.matchConditions ?? [])
        if (c.name === FAILS_A_VALIDATION) c.expression = 'false';
      return { ...pair, policy };
    });
    const broken = new PolicyEvaluator(pairs);
    const bad = CATALOGUE.filter((c) => c.verdict === 'bad' && c.request === undefined);
    const differ = bad.filter(
      (c) =>
        outcome(broken, c.object, requestOptions(c)).admitted !==
        outcome(without, c.object, requestOptions(c)).admitted,
    );
    expect(differ.length).toBeGreaterThan(bad.length / 2);
  });
});
