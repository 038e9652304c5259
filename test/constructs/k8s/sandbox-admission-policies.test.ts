import { SandboxAdmissionPolicies } from '../../../constructs/k8s/sandbox-admission-policies';
import { PLATFORM_GROUP } from '../../../constructs/shared/platform';
import { buildPolicyPack } from '../../../policies/k8s/pack';
import { expectSchemaValid, expectValidationError, newChart, synth } from '../../support/k8s';

describe('SandboxAdmissionPolicies', () => {
  test('GIVEN no props THEN the default pack is emitted, every policy then every binding, exactly as built', () => {
    const chart = newChart();
    const admission = new SandboxAdmissionPolicies(chart, 'Admission');
    const objects = synth(chart);
    const pack = buildPolicyPack();
    expect(objects).toEqual([...pack.map((p) => p.policy), ...pack.map((p) => p.binding)]);
    expect(admission.pairs.map((p) => p.rule.id)).toEqual(pack.map((p) => p.rule.id));
    expect(admission.policies).toHaveLength(pack.length);
    expect(admission.bindings).toHaveLength(pack.length);
    expectSchemaValid(objects);
  });

  test('GIVEN no props THEN the platform identity is the platform group', () => {
    const chart = newChart();
    new SandboxAdmissionPolicies(chart, 'Admission');
    const b2 = synth(chart).find(
      (o) => o.metadata.name === 'sbx-b2-sandbox-rbac' && o.kind === 'ValidatingAdmissionPolicy',
    );
    expect(b2?.spec.variables[0].expression).toContain(`['${PLATFORM_GROUP}']`);
  });

  test('GIVEN platform users, groups and included rules THEN they are used', () => {
    const chart = newChart();
    new SandboxAdmissionPolicies(chart, 'Admission', {
      platformGroups: ['ops'],
      platformUsers: ['system:serviceaccount:argocd:controller'],
      include: ['SBX-X1-no-secrets-in-sandbox'],
    });
    const objects = synth(chart);
    expect(objects.some((o) => o.metadata.name === 'sbx-x1-no-secrets-in-sandbox')).toBe(true);
    const b2 = objects.find(
      (o) => o.metadata.name === 'sbx-b2-sandbox-rbac' && o.kind === 'ValidatingAdmissionPolicy',
    );
    expect(b2?.spec.variables[0].expression).toContain("['ops']");
    expect(b2?.spec.variables[0].expression).toContain(
      "['system:serviceaccount:argocd:controller']",
    );
  });

  test.each<[string, object, RegExp]>([
    [
      'an unknown rule',
      { include: ['SBX-X9-nope'] },
      /Admission: include: unknown rule 'SBX-X9-nope'/,
    ],
    [
      'no platform identity',
      { platformGroups: [], platformUsers: [] },
      /platformGroups and platformUsers are both empty/,
    ],
  ])('GIVEN %s THEN it throws', (_what, props, message) => {
    expectValidationError(
      () => new SandboxAdmissionPolicies(newChart(), 'Admission', props),
      message,
    );
  });
});
