import { SandboxAdmissionPolicies } from '../../../constructs/k8s/sandbox-admission-policies';
import { PolicyEvaluator } from '../../../policies/k8s/evaluate';
import { workload } from '../../../policies/k8s/fixtures/workloads';
import { buildPolicyPack } from '../../../policies/k8s/pack';
import {
  DEFAULT_PARAMETERS,
  parameterProblems,
  resolveParameters,
} from '../../../policies/k8s/parameters';
import { ALL_RULES } from '../../../policies/k8s/rules';
import { expectValidationError, newChart } from '../../support/k8s';

const rulesOf = (v: { violations: { rule: string }[] }) => v.violations.map((x) => x.rule);

describe('pack parameters', () => {
  test('the defaults are the documented bounds', () => {
    expect(resolveParameters()).toEqual(DEFAULT_PARAMETERS);
    expect(DEFAULT_PARAMETERS).toMatchObject({
      maxActiveDeadlineSeconds: 86_400,
      maxTerminationGracePeriodSeconds: 30,
      maxRetries: 5,
      maxParallelism: 10,
      sandboxPriorityClass: 'eval-sandbox-sandbox',
      maxVolumeStorage: '20Gi',
      allowInlineCsi: false,
      allowedRegistries: [],
      clusterDnsNamespace: 'kube-system',
      clusterDnsPodLabels: { 'k8s-app': 'kube-dns' },
      sandboxNamespacePrefix: 'sbx-',
    });
    expect(DEFAULT_PARAMETERS.systemControllers).toContain('system:kube-controller-manager');
  });

  test.each<[string, object, RegExp]>([
    [
      'a zero deadline',
      { maxActiveDeadlineSeconds: 0 },
      /^parameters\.maxActiveDeadlineSeconds: must be a whole number from 1 to 2592000, got 0$/,
    ],
    [
      'a fractional grace',
      { maxTerminationGracePeriodSeconds: 1.5 },
      /^parameters\.maxTerminationGracePeriodSeconds: /,
    ],
    ['negative retries', { maxRetries: -1 }, /^parameters\.maxRetries: /],
    [
      'a system priority class',
      { sandboxPriorityClass: 'system-node-critical' },
      /is a system class/,
    ],
    [
      'a bad quantity',
      { maxVolumeStorage: '20 GB' },
      /^parameters\.maxVolumeStorage: '20 GB' is not a quantity like '20Gi'$/,
    ],
    [
      'a registry with a path',
      { allowedRegistries: ['registry.example.com/team'] },
      /^parameters\.allowedRegistries: 'registry.example.com\/team' is not a registry host/,
    ],
    [
      'empty DNS pod labels',
      { clusterDnsPodLabels: {} },
      /^parameters\.clusterDnsPodLabels: empty/,
    ],
    [
      'a prefix without a dash',
      { sandboxNamespacePrefix: 'sbx' },
      /^parameters\.sandboxNamespacePrefix: 'sbx' must be a short name prefix ending in '-'/,
    ],
    ['a kube- prefix', { sandboxNamespacePrefix: 'kube-' }, /belong to Kubernetes/],
  ])('GIVEN %s THEN the problem names the parameter and the fix', (_what, p, message) => {
    const problems = parameterProblems(p);
    expect(problems.some((x) => message.test(x))).toBe(true);
    expect(() => buildPolicyPack({ parameters: p })).toThrow(/parameters\./);
  });

  test('GIVEN bad parameters on the construct THEN it throws with the construct path', () => {
    expectValidationError(
      () =>
        new SandboxAdmissionPolicies(newChart(), 'Admission', { parameters: { maxRetries: 1000 } }),
      /^test\/Admission: parameters\.maxRetries: must be a whole number from 0 to 100, got 1000$/,
    );
  });

  test('GIVEN a shorter deadline bound THEN the CEL carries it: a Job of 2 h is refused', () => {
    const job = workload('Job', 'two-hours');
    job.spec.activeDeadlineSeconds = 7200;
    expect(PolicyEvaluator.forPack().evaluate(job).admitted).toBe(true);
    const strict = PolicyEvaluator.forPack({ parameters: { maxActiveDeadlineSeconds: 3600 } });
    const verdict = strict.evaluate(job);
    expect(rulesOf(verdict)).toEqual(['SBX-R7-bounded-runtime']);
    expect(verdict.violations[0].message).toBe(
      'spec.activeDeadlineSeconds: the Job must set it, at most 3600, got 7200 [SBX-R7-bounded-runtime]',
    );
  });

  test('GIVEN a registry allowlist THEN other registries are refused', () => {
    const job = workload('Job', 'j');
    const strict = PolicyEvaluator.forPack({
      parameters: { allowedRegistries: ['mirror.example.com'] },
    });
    expect(rulesOf(strict.evaluate(job))).toEqual(['SBX-R2-image-digest']);
    job.spec.template.spec.containers[0].image = job.spec.template.spec.containers[0].image.replace(
      'registry.example.com',
      'mirror.example.com',
    );
    expect(strict.evaluate(job).admitted).toBe(true);
  });

  test('GIVEN another sandbox PriorityClass THEN only that one is allowed', () => {
    const job = workload('Job', 'j');
    job.spec.template.spec.priorityClassName = 'team-sandboxes';
    expect(rulesOf(PolicyEvaluator.forPack().evaluate(job))).toEqual(['SBX-R11-priority-class']);
    const custom = PolicyEvaluator.forPack({
      parameters: { sandboxPriorityClass: 'team-sandboxes' },
    });
    expect(custom.evaluate(job).admitted).toBe(true);
  });

  test('GIVEN another namespace prefix THEN sandbox rules follow it offline', () => {
    const pod = workload('Pod', 'p');
    pod.spec.hostNetwork = true;
    pod.metadata.namespace = 'eval-1';
    expect(PolicyEvaluator.forPack().evaluate(pod).admitted).toBe(true);
    const custom = PolicyEvaluator.forPack({ parameters: { sandboxNamespacePrefix: 'eval-' } });
    expect(custom.evaluate(pod).admitted).toBe(false);
  });

  test('every rule that declares parameters names only known ones and states its bound', () => {
    for (const r of ALL_RULES) {
      for (const name of r.parameters ?? [])
        expect(Object.keys(DEFAULT_PARAMETERS)).toContain(name);
    }
    const bounded = ALL_RULES.filter((r) => r.bound !== undefined).map((r) => r.id);
    for (const id of [
      'SBX-R7-bounded-runtime',
      'SBX-R11-priority-class',
      'SBX-B3-sandbox-namespace-shape',
    ])
      expect(bounded).toContain(id);
  });
});
