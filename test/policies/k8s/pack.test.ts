import { SANDBOX_NAMESPACE_LABEL } from '../../../constructs/shared/labels';
import { PLATFORM_GROUP } from '../../../constructs/shared/platform';
import {
  buildPolicyPack,
  platformIdentityExpression,
  RULE_ID_ANNOTATION,
  SEVERITY_ANNOTATION,
} from '../../../policies/k8s/pack';
import { schemaErrors } from '../../support/k8s';

describe('policy pack', () => {
  const pack = buildPolicyPack();

  test.each(pack.map((p) => [p.rule.id, p]))(
    '%s: a v1 ValidatingAdmissionPolicy that fails closed and denies',
    (_id, p) => {
      expect(p.policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
      expect(p.policy.kind).toBe('ValidatingAdmissionPolicy');
      expect(p.policy.spec.failurePolicy).toBe('Fail');
      expect(p.policy.metadata.annotations).toEqual({
        [RULE_ID_ANNOTATION]: p.rule.id,
        [SEVERITY_ANNOTATION]: p.rule.severity,
      });
      for (const v of p.policy.spec.validations) expect(v.reason).toBe('Forbidden');
      expect(p.binding.kind).toBe('ValidatingAdmissionPolicyBinding');
      expect(p.binding.spec.policyName).toBe(p.policy.metadata.name);
      expect(p.binding.spec.validationActions).toEqual(['Deny']);
      expect(schemaErrors(p.policy)).toBeUndefined();
      expect(schemaErrors(p.binding)).toBeUndefined();
    },
  );

  test('rules on sandbox contents are bound to sandbox namespaces by label', () => {
    for (const p of pack.filter((x) => x.rule.scope === 'sandbox-namespaces')) {
      expect(p.binding.spec.matchResources).toEqual({
        namespaceSelector: { matchLabels: { [SANDBOX_NAMESPACE_LABEL]: 'true' } },
      });
    }
  });

  test('the namespace-label rule matches by the old labels, so removing the marker cannot escape it', () => {
    const b1 = pack.find((p) => p.rule.id === 'SBX-B1-sandbox-namespace-labels');
    expect(b1?.binding.spec.matchResources).toBeUndefined();
    expect(b1?.policy.spec.matchConditions[0].expression).toContain('oldObject.metadata.labels');
  });

  test('workload rules cover Pods and the templates of Jobs, CronJobs, Deployments, StatefulSets, ReplicaSets', () => {
    for (const id of [
      'SBX-R1-runtime-class',
      'SBX-R2-image-digest',
      'SBX-R3-pod-security-restricted',
      'SBX-R4-no-service-account-token',
      'SBX-R5-resource-limits',
      'SBX-R6-read-only-root-filesystem',
    ]) {
      const rules = pack.find((p) => p.rule.id === id)?.policy.spec.matchConstraints.resourceRules;
      const resources = rules.flatMap((r: { resources: string[] }) => r.resources);
      expect(resources).toEqual(
        expect.arrayContaining([
          'pods',
          'jobs',
          'cronjobs',
          'deployments',
          'statefulsets',
          'replicasets',
        ]),
      );
    }
  });

  test('the platform identity defaults to the platform group and takes extra groups and users', () => {
    expect(platformIdentityExpression()).toContain(`'${PLATFORM_GROUP}'`);
    const custom = platformIdentityExpression({
      platformGroups: ['ops'],
      platformUsers: ['system:serviceaccount:argocd:controller'],
    });
    expect(custom).toContain("['ops']");
    expect(custom).toContain("['system:serviceaccount:argocd:controller']");
    const b2 = buildPolicyPack({ platformGroups: ['ops'] }).find(
      (p) => p.rule.id === 'SBX-B2-sandbox-rbac',
    );
    expect(b2?.policy.spec.variables).toEqual([
      { name: 'isPlatform', expression: platformIdentityExpression({ platformGroups: ['ops'] }) },
    ]);
  });

  test('the same options always give the same pack (deterministic)', () => {
    expect(JSON.stringify(buildPolicyPack())).toBe(JSON.stringify(buildPolicyPack()));
  });
});
