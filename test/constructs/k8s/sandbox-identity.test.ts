import { SandboxIdentity } from '../../../constructs/k8s/sandbox-identity';
import { expectValidationError, newChart, only, synth } from '../../support/k8s';

describe('SandboxIdentity', () => {
  test('GIVEN a namespace THEN an "evaluator" service account with no token automount is created, and nothing else', () => {
    const chart = newChart();
    const id = new SandboxIdentity(chart, 'Identity', { namespace: 'sbx-1' });
    const objects = synth(chart);
    expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount']);
    const sa = only(objects, 'ServiceAccount');
    expect(sa.metadata).toMatchObject({ name: 'evaluator', namespace: 'sbx-1' });
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(id.name).toBe('evaluator');
    expect(id.serviceAccount.name).toBe('evaluator');
  });

  test('GIVEN a name THEN it is used', () => {
    const chart = newChart();
    new SandboxIdentity(chart, 'Identity', { namespace: 'sbx-1', name: 'agent' });
    expect(only(synth(chart), 'ServiceAccount').metadata.name).toBe('agent');
  });

  test.each([
    [{ namespace: 'sbx-1', name: 'Agent' }, /Identity: name 'Agent' is not a valid name/],
    [{ namespace: 'SBX' }, /Identity: namespace 'SBX' is not a valid name/],
  ])('GIVEN %p THEN it throws', (props, message) => {
    expectValidationError(() => new SandboxIdentity(newChart(), 'Identity', props), message);
  });

  test('snapshot', () => {
    const chart = newChart();
    new SandboxIdentity(chart, 'Identity', { namespace: 'sbx-1' });
    expect(synth(chart)).toMatchSnapshot();
  });
});
