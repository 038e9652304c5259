import { PolicyEvaluator, resourceOf } from '../../../policies/k8s/evaluate';
import { workload } from '../../../policies/k8s/fixtures/workloads';

const evaluator = PolicyEvaluator.forPack();

describe('PolicyEvaluator matching', () => {
  test('cluster-scoped objects outside the pack are admitted', () => {
    expect(
      evaluator.evaluate({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'x' },
      }).admitted,
    ).toBe(true);
  });

  test('kinds are mapped to their resources and groups', () => {
    expect(resourceOf({ apiVersion: 'apps/v1', kind: 'Deployment' })).toEqual({
      group: 'apps',
      version: 'v1',
      resource: 'deployments',
      namespaced: true,
    });
    expect(resourceOf({ apiVersion: 'v1', kind: 'Namespace' })).toEqual({
      group: '',
      version: 'v1',
      resource: 'namespaces',
      namespaced: false,
    });
    expect(resourceOf({ apiVersion: 'example.com/v1', kind: 'Widget' })).toMatchObject({
      group: 'example.com',
      resource: 'widgets',
    });
  });

  test('a bare Pod without a deadline is refused on CREATE only (R7 matches CREATE for pods)', () => {
    const pod = workload('Pod', 'p');
    delete pod.spec.activeDeadlineSeconds;
    expect(evaluator.evaluate(pod).violations.map((v) => v.rule)).toEqual([
      'SBX-R7-bounded-runtime',
    ]);
    expect(evaluator.evaluate(pod, { operation: 'UPDATE', oldObject: pod }).admitted).toBe(true);
  });

  test('a ReplicationController is judged like every other pod template', () => {
    const rc = {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc' },
      spec: { template: { spec: { containers: [{ name: 'a', image: 'busybox' }] } } },
    };
    const verdict = evaluator.evaluate(rc);
    expect(verdict.admitted).toBe(false);
    expect(verdict.violations.map((v) => v.rule)).toContain('SBX-R1-runtime-class');
    expect(verdict.violations[0].message).toMatch(/^spec\.template\.spec\.runtimeClassName: /);
  });

  test('a Pod bringing its own spec.overhead is refused as RuntimeClass admission refuses it', () => {
    const pod = workload('Pod', 'overhead');
    pod.spec.overhead = { cpu: '1m', memory: '1Ki' };
    expect(evaluator.evaluate(pod).violations).toEqual([
      {
        rule: 'admission:RuntimeClass',
        message:
          'spec.overhead: must not be set by the client; RuntimeClass admission fills it in from the RuntimeClass [admission:RuntimeClass]',
      },
    ]);
  });

  test('a subresource is matched only by rules that list it', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} };
    // pods/status is listed by no rule: the pod spec cannot change through it.
    expect(
      evaluator.evaluate(pod, { operation: 'UPDATE', oldObject: pod, subresource: 'status' }),
    ).toEqual({ admitted: true, violations: [] });
    // pods/ephemeralcontainers is: the whole pod is judged again.
    expect(
      evaluator.evaluate(pod, {
        operation: 'UPDATE',
        oldObject: pod,
        subresource: 'ephemeralcontainers',
      }).admitted,
    ).toBe(false);
  });

  test('a workload breaking several rules gets every violation, in rule order', () => {
    const pod = workload('Pod', 'p');
    pod.spec.runtimeClassName = 'runc';
    pod.spec.containers[0].image = 'busybox:latest';
    pod.spec.hostPID = true;
    expect(evaluator.evaluate(pod).violations.map((v) => v.rule)).toEqual([
      'SBX-R1-runtime-class',
      'SBX-R2-image-digest',
      'SBX-R3-pod-security-restricted',
    ]);
  });

  test('off-by-default rules apply only when included', () => {
    const pod = workload('Pod', 'p');
    pod.spec.containers[0].env = [
      { name: 'KEY', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ];
    expect(evaluator.evaluate(pod).admitted).toBe(true);
    const strict = PolicyEvaluator.forPack({ include: ['SBX-X1-no-secrets-in-sandbox'] });
    expect(strict.evaluate(pod).violations).toEqual([
      {
        rule: 'SBX-X1-no-secrets-in-sandbox',
        message: 'spec.containers[agent].env: must not read Secrets [SBX-X1-no-secrets-in-sandbox]',
      },
    ]);
  });
});
