import {
  decide,
  DEFAULT_JANITOR_OPTIONS,
  kubeTimestamp,
} from '../../../constructs/k8s/janitor-logic';
import { CASES, NOW } from '../../support/janitor-cases';

describe('decide()', () => {
  test.each(Object.entries(CASES))('GIVEN %s THEN the documented action', (_name, c) => {
    const decisions = decide([c.ns], c.jobs, NOW);
    if (c.expected === undefined) {
      expect(decisions).toEqual([]);
    } else {
      expect(decisions).toEqual([{ namespace: c.ns.metadata.name, ...c.expected }]);
    }
  });

  test('GIVEN every case at once THEN one decision per sandbox, in name order, the same as one by one', () => {
    const all = Object.values(CASES);
    const decisions = decide(
      all.map((c) => c.ns).reverse(),
      all.flatMap((c) => c.jobs),
      NOW,
    );
    const names = decisions.map((d) => d.namespace);
    expect(names).toEqual([...names].sort());
    expect(decisions).toHaveLength(all.filter((c) => c.expected).length);
    for (const c of all.filter((x) => x.expected)) {
      expect(decisions).toContainEqual({ namespace: c.ns.metadata.name, ...c.expected });
    }
  });

  test('THEN the defaults are one hour of grace and seven days of retention', () => {
    expect(DEFAULT_JANITOR_OPTIONS).toEqual({
      gracePeriodSeconds: 3600,
      deadLetterRetentionSeconds: 604800,
    });
  });

  test('GIVEN shorter options THEN they are honoured', () => {
    const c = CASES['dead letter within retention (Job gone)'];
    const opts = { gracePeriodSeconds: 60, deadLetterRetentionSeconds: 3600 };
    expect(decide([c.ns], [], NOW, opts)[0].action).toBe('delete');
    const young = CASES['no Job yet, young'];
    expect(decide([young.ns], [], NOW, opts)[0].action).toBe('delete');
  });

  test('kubeTimestamp drops milliseconds, as Kubernetes writes timestamps', () => {
    expect(kubeTimestamp(new Date('2026-06-01T12:00:00.789Z'))).toBe('2026-06-01T12:00:00Z');
  });
});
