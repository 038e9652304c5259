import * as fc from 'fast-check';
import { cpuMillis, sizeKib } from '../../../constructs/k8s/internal';
import { Size } from 'cdk8s';
import { Cpu, Group, User } from 'cdk8s-plus-28';
import {
  EvaluationSandbox,
  EvaluationSandboxProps,
} from '../../../constructs/k8s/evaluation-sandbox';
import { SANDBOX_NAMESPACE_LABEL } from '../../../constructs/shared/labels';
import { expectValidationError, newChart, only, podSpec, synth } from '../../support/k8s';

const IMAGE = `registry.example.com/tasks/swe@sha256:${'c'.repeat(64)}`;

function build(props: Partial<EvaluationSandboxProps> = {}) {
  const chart = newChart();
  const sandbox = new EvaluationSandbox(chart, 'Sandbox', {
    evaluationId: 'run-7',
    image: IMAGE,
    ...props,
  });
  return { chart, sandbox, objects: () => synth(chart) };
}

describe('EvaluationSandbox', () => {
  test('GIVEN an id and an image THEN it composes namespace, quota, limits, policies, identity and job', () => {
    const objects = build().objects();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/sbx-run-7',
      'ResourceQuota/sandbox-quota',
      'ResourceQuota/sandbox-priority-quota',
      'LimitRange/sandbox-limits',
      'NetworkPolicy/default-deny-all',
      'ServiceAccount/evaluator',
      'Job/eval-run-7',
      'ConfigMap/eval-run-7-posture',
    ]);
    for (const o of objects.filter((x) => x.kind !== 'Namespace'))
      expect(o.metadata.namespace).toBe('sbx-run-7');
    expect(only(objects, 'Namespace').metadata.labels[SANDBOX_NAMESPACE_LABEL]).toBe('true');
  });

  test('the job runs as the sandbox identity, whose token is not mounted', () => {
    const { sandbox, objects } = build();
    const pod = podSpec(only(objects(), 'Job'));
    expect(pod.serviceAccountName).toBe(sandbox.identity.name);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(only(objects(), 'ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  test('the identity has no RBAC rights of its own: nothing binds it', () => {
    const { sandbox, objects } = build();
    sandbox.grantRunEvaluations(User.fromName(sandbox, 'Runner', 'runner'));
    sandbox.grantAudit(Group.fromName(sandbox, 'Auditors', 'auditors'));
    const bindings = objects().filter(
      (o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding',
    );
    expect(bindings).toHaveLength(2);
    for (const b of bindings) {
      expect(b.subjects).not.toContainEqual(
        expect.objectContaining({ kind: 'ServiceAccount', name: 'evaluator' }),
      );
    }
  });

  test('GIVEN names and namespace props THEN they are passed through', () => {
    const objects = build({
      namespaceName: 'sbx-custom-ns',
      serviceAccountName: 'agent',
      jobName: 'custom-job',
      quotaPods: 2,
      namespaceLabels: { team: 'red' },
      egress: [{ cidr: '10.0.0.0/8', ports: [443] }],
    }).objects();
    expect(only(objects, 'Namespace').metadata).toMatchObject({
      name: 'sbx-custom-ns',
      labels: { team: 'red' },
    });
    expect(only(objects, 'ServiceAccount').metadata.name).toBe('agent');
    expect(only(objects, 'Job').metadata).toMatchObject({
      name: 'custom-job',
      namespace: 'sbx-custom-ns',
    });
    expect(only(objects, 'ResourceQuota', 'sandbox-quota').spec.hard.pods).toBe('2');
    expect(only(objects, 'NetworkPolicy', 'allow-egress-1').metadata.namespace).toBe(
      'sbx-custom-ns',
    );
  });

  test('the scratch is memory-backed by default, and scratchOnDisk reaches the job', () => {
    const medium = (props: Partial<EvaluationSandboxProps>) =>
      podSpec(only(build(props).objects(), 'Job')).volumes[0].emptyDir.medium as unknown;
    expect(medium({})).toBe('Memory');
    expect(medium({ scratchOnDisk: true })).toBeUndefined();
    expect(build({ scratchOnDisk: true }).sandbox.job.scratchOnDisk).toBe(true);
  });

  test('WHEN allowEgressTo and grants are called on the sandbox THEN they land in its namespace', () => {
    const { sandbox, objects } = build();
    const policy = sandbox.allowEgressTo('Mirror', { cidr: '10.1.0.0/16', ports: [443] });
    const binding = sandbox.grantRunEvaluations(User.fromName(sandbox, 'Runner', 'runner'));
    expect(policy.name).toBe('allow-egress-mirror');
    expect(only(objects(), 'NetworkPolicy', 'allow-egress-mirror').metadata.namespace).toBe(
      'sbx-run-7',
    );
    expect(only(objects(), 'RoleBinding').metadata.name).toBe(binding.name);
  });

  test('GIVEN two sandboxes with the same namespace in one app THEN the second throws naming both', () => {
    const chart = newChart();
    new EvaluationSandbox(chart, 'First', { evaluationId: 'run-7', image: IMAGE });
    expectValidationError(
      () =>
        new EvaluationSandbox(chart, 'Second', {
          evaluationId: 'other',
          namespaceName: 'sbx-run-7',
          image: IMAGE,
        }),
      /Second: namespace 'sbx-run-7' is already the sandbox of .*First; two evaluations never share a sandbox/,
    );
    // In another app, the same name is fine.
    expect(() => build()).not.toThrow();
  });

  test('an unset quota holds the job plus the RuntimeClass overhead (never below 4 CPU / 8Gi)', () => {
    const quota = (props: Partial<EvaluationSandboxProps>) =>
      only(build(props).objects(), 'ResourceQuota', 'sandbox-quota').spec.hard;
    expect(quota({})).toMatchObject({ 'limits.cpu': '4', 'limits.memory': '8Gi' });
    // A 4 CPU / 8Gi evaluation used to synthesize and never start under a 4 / 8Gi quota.
    expect(quota({ cpu: Cpu.units(4), memory: Size.gibibytes(8) })).toMatchObject({
      'limits.cpu': '4100m',
      'limits.memory': '8320Mi',
    });
    expect(
      quota({
        cpu: Cpu.units(2),
        runtimeOverheadCpu: Cpu.millis(2500),
        quotaMemory: Size.gibibytes(4),
      }),
    ).toMatchObject({ 'limits.cpu': '4500m', 'limits.memory': '4Gi' });
  });

  test('PROPERTY: every sandbox that synthesizes can start its Job under its own quota', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64_000 }),
        fc.integer({ min: 64, max: 256 * 1024 }),
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 1, max: 2_048 }),
        (cpuM, memMi, overheadM, overheadMi) => {
          let sandbox: EvaluationSandbox;
          try {
            ({ sandbox } = build({
              cpu: Cpu.millis(cpuM),
              memory: Size.mebibytes(memMi),
              scratchSize: Size.mebibytes(Math.min(64, memMi)),
              runtimeOverheadCpu: Cpu.millis(overheadM),
              runtimeOverheadMemory: Size.mebibytes(overheadMi),
            }));
          } catch {
            return true; // refused at synth: fine, it never reaches the cluster
          }
          const ns = sandbox.namespace;
          return (
            cpuMillis(ns.quotaCpu) >= cpuM + overheadM &&
            sizeKib(ns.quotaMemory) >= (memMi + overheadMi) * 1024
          );
        },
      ),
      { seed: 1011, numRuns: 300 },
    );
  });

  test.each<[string, Partial<EvaluationSandboxProps>, RegExp]>([
    [
      'a job CPU above the quota',
      { cpu: Cpu.units(8), quotaCpu: Cpu.units(4) },
      /Sandbox: the job's cpu plus the RuntimeClass overhead \(8000m \+ 100m\) exceeds the sandbox quota, so it could never start; raise quotaCpu or lower cpu/,
    ],
    [
      // The quota would hold the Job alone, but not its pod: the gVisor overhead counts.
      'a job CPU equal to the quota',
      { cpu: Cpu.units(4), quotaCpu: Cpu.units(4) },
      /the job's cpu plus the RuntimeClass overhead \(4000m \+ 100m\) exceeds the sandbox quota/,
    ],
    [
      'a job memory equal to the quota',
      { memory: Size.gibibytes(8), quotaMemory: Size.gibibytes(8), scratchSize: Size.gibibytes(1) },
      /the job's memory plus the RuntimeClass overhead \(8Gi \+ 128Mi\) exceeds the sandbox quota/,
    ],
    [
      'job storage above the quota',
      { ephemeralStorage: Size.gibibytes(30) },
      /the job's ephemeralStorage exceeds the sandbox quota/,
    ],
    [
      'an unpinned image',
      { image: 'python:3.12' },
      /Sandbox\/Job: image 'python:3.12' must be pinned by digest/,
    ],
    [
      'an invalid namespace name',
      { namespaceName: 'NS' },
      /Sandbox\/Namespace: name 'NS' is not a valid name/,
    ],
  ])('GIVEN %s THEN it throws', (_what, props, message) => {
    expectValidationError(() => build(props), message);
  });

  test('snapshot', () => {
    const { sandbox, objects } = build({
      task: 'swe-1',
      model: 'model-x',
      egress: [{ cidr: '10.0.0.0/8', ports: [443] }],
    });
    sandbox.grantRunEvaluations(User.fromName(sandbox, 'Runner', 'runner'));
    expect(objects()).toMatchSnapshot();
  });
});
