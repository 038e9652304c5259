/**
 * The "secure by default" contract: every construct built with minimal props, checked item by item
 * against the posture in DESIGN.md. A change that weakens any default fails here, whatever the
 * unit tests of the construct say.
 */
import { EgressGateway } from '../../../constructs/k8s/egress-gateway';
import { EvaluationJob } from '../../../constructs/k8s/evaluation-job';
import { EvaluationSandbox } from '../../../constructs/k8s/evaluation-sandbox';
import { GvisorRuntimeClass } from '../../../constructs/k8s/gvisor-runtime-class';
import { SandboxIdentity } from '../../../constructs/k8s/sandbox-identity';
import { SandboxNamespace } from '../../../constructs/k8s/sandbox-namespace';
import { isDigestPinned } from '../../../constructs/shared/validation';
import { K8sObject, newChart, only, podSpec, synth } from '../../support/k8s';

const IMAGE = `registry.example.com/t@sha256:${'d'.repeat(64)}`;

function minimalJobs(): [string, K8sObject][] {
  const standalone = newChart();
  new EvaluationJob(standalone, 'Job', { image: IMAGE, evaluationId: 'e1' });
  const sandboxed = newChart();
  new EvaluationSandbox(sandboxed, 'Sandbox', { image: IMAGE, evaluationId: 'e2' });
  return [
    ['EvaluationJob', only(synth(standalone), 'Job')],
    ['EvaluationSandbox', only(synth(sandboxed), 'Job')],
  ];
}

const POD_POSTURE: [string, (job: K8sObject) => void][] = [
  ['runtimeClassName: gvisor', (j) => expect(podSpec(j).runtimeClassName).toBe('gvisor')],
  ['pod runAsNonRoot', (j) => expect(podSpec(j).securityContext.runAsNonRoot).toBe(true)],
  [
    'pod runAsUser is not root',
    (j) => expect(podSpec(j).securityContext.runAsUser).toBeGreaterThan(0),
  ],
  [
    'pod seccomp RuntimeDefault',
    (j) => expect(podSpec(j).securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' }),
  ],
  ['no service account token', (j) => expect(podSpec(j).automountServiceAccountToken).toBe(false)],
  ['no service links', (j) => expect(podSpec(j).enableServiceLinks).toBe(false)],
  ['no host network', (j) => expect(podSpec(j).hostNetwork ?? false).toBe(false)],
  ['no host PID', (j) => expect(podSpec(j).hostPID ?? false).toBe(false)],
  ['no host IPC', (j) => expect(podSpec(j).hostIPC ?? false).toBe(false)],
  [
    'no hostPath volumes',
    (j) => expect((podSpec(j).volumes ?? []).filter((v: K8sObject) => v.hostPath)).toEqual([]),
  ],
  [
    'emptyDir volumes are size-limited',
    (j) => {
      for (const v of podSpec(j).volumes.filter((x: K8sObject) => x.emptyDir))
        expect(v.emptyDir.sizeLimit).toBeDefined();
    },
  ],
  [
    // A disk emptyDir's sizeLimit is only polled by the kubelet; a tmpfs is sized to it.
    'emptyDir volumes are memory-backed (a hard size bound)',
    (j) => {
      for (const v of podSpec(j).volumes.filter((x: K8sObject) => x.emptyDir))
        expect(v.emptyDir.medium).toBe('Memory');
    },
  ],
  ['restartPolicy Never', (j) => expect(podSpec(j).restartPolicy).toBe('Never')],
  ['Job activeDeadlineSeconds set', (j) => expect(j.spec.activeDeadlineSeconds).toBeGreaterThan(0)],
  [
    'Job ttlSecondsAfterFinished set',
    (j) => expect(j.spec.ttlSecondsAfterFinished).toBeGreaterThanOrEqual(0),
  ],
  [
    'Job podFailurePolicy set',
    (j) => expect(j.spec.podFailurePolicy.rules.length).toBeGreaterThan(0),
  ],
];

const CONTAINER_POSTURE: [string, (c: K8sObject) => void][] = [
  ['image pinned by digest', (c) => expect(isDigestPinned(c.image)).toBe(true)],
  ['readOnlyRootFilesystem', (c) => expect(c.securityContext.readOnlyRootFilesystem).toBe(true)],
  [
    'allowPrivilegeEscalation false',
    (c) => expect(c.securityContext.allowPrivilegeEscalation).toBe(false),
  ],
  ['not privileged', (c) => expect(c.securityContext.privileged).toBe(false)],
  [
    'capabilities drop ALL, add none',
    (c) => expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'] }),
  ],
  ['container runAsNonRoot', (c) => expect(c.securityContext.runAsNonRoot).toBe(true)],
  [
    'container seccomp RuntimeDefault',
    (c) => expect(c.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' }),
  ],
  [
    'no host ports',
    (c) => expect((c.ports ?? []).filter((p: K8sObject) => p.hostPort)).toEqual([]),
  ],
  [
    'limits for cpu, memory, ephemeral-storage',
    (c) =>
      expect(Object.keys(c.resources.limits).sort()).toEqual([
        'cpu',
        'ephemeral-storage',
        'memory',
      ]),
  ],
  ['requests equal limits', (c) => expect(c.resources.requests).toEqual(c.resources.limits)],
];

describe.each(minimalJobs())('%s with minimal props', (_name, job) => {
  test.each(POD_POSTURE)('pod: %s', (_what, assert) => assert(job));
  test.each(CONTAINER_POSTURE)('container: %s', (_what, assert) => {
    const containers = [...podSpec(job).containers, ...(podSpec(job).initContainers ?? [])];
    expect(containers.length).toBeGreaterThan(0);
    for (const c of containers) assert(c);
  });
});

describe('EgressGateway with minimal props (a bare Pod: the Job-only items do not apply)', () => {
  const chart = newChart();
  new EgressGateway(chart, 'Gateway', {
    namespace: 'sbx-gw',
    image: IMAGE,
    domains: ['pypi.org'],
    sandboxLabels: { 'eval-sandbox.io/evaluation-id': 'e3' },
  });
  const pod = only(synth(chart), 'Pod');
  // Seen through the same pod-spec accessor as the Jobs.
  const asWorkload = { ...pod, spec: { template: { spec: pod.spec } } };
  const podItems = POD_POSTURE.filter(([what]) => !/^Job |restartPolicy/.test(what));
  test('the Job-only items are the only ones left out', () =>
    expect(POD_POSTURE.length - podItems.length).toBe(4));
  test.each(podItems)('pod: %s', (_what, assert) => assert(asWorkload));
  test('pod: a deadline (activeDeadlineSeconds) within the pack bound', () =>
    expect(pod.spec.activeDeadlineSeconds).toBe(86400));
  test.each(CONTAINER_POSTURE)('container: %s', (_what, assert) => {
    expect(pod.spec.containers.length).toBe(1);
    for (const c of pod.spec.containers) assert(c);
  });
});

describe('SandboxNamespace with minimal props', () => {
  const chart = newChart();
  new SandboxNamespace(chart, 'Ns', { name: 'sbx-1' });
  const objects = synth(chart);
  const labels = only(objects, 'Namespace').metadata.labels;

  test.each(['enforce', 'audit', 'warn'])('PSA %s restricted with a pinned version', (mode) => {
    expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
    expect(labels[`pod-security.kubernetes.io/${mode}-version`]).toMatch(/^v1\.\d+$/);
  });
  test('marked as a sandbox', () => expect(labels['eval-sandbox.io/sandbox']).toBe('true'));
  test('quota covers cpu, memory, ephemeral storage, pods; no NodePort/LoadBalancer', () => {
    const hard = only(objects, 'ResourceQuota', 'sandbox-quota').spec.hard;
    for (const key of [
      'limits.cpu',
      'limits.memory',
      'limits.ephemeral-storage',
      'requests.ephemeral-storage',
      'pods',
    ]) {
      expect(hard[key]).toBeDefined();
    }
    expect(hard['services.nodeports']).toBe('0');
    expect(hard['services.loadbalancers']).toBe('0');
  });
  test('LimitRange gives containers requests = limits for cpu, memory, ephemeral storage', () => {
    const [limit] = only(objects, 'LimitRange').spec.limits;
    expect(Object.keys(limit.default).sort()).toEqual(['cpu', 'ephemeral-storage', 'memory']);
    expect(limit.defaultRequest).toEqual(limit.default);
  });
  test('default deny for ingress and egress', () => {
    expect(only(objects, 'NetworkPolicy', 'default-deny-all').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
    });
  });
  test('no egress at all, not even DNS', () => {
    const allowing = objects.filter((o) => o.kind === 'NetworkPolicy' && o.spec.egress);
    expect(allowing).toEqual([]);
  });
  test('no ingress is allowed by any policy', () => {
    expect(objects.filter((o) => o.kind === 'NetworkPolicy' && o.spec.ingress)).toEqual([]);
  });
});

describe('SandboxIdentity with minimal props', () => {
  test('no token automount', () => {
    const chart = newChart();
    new SandboxIdentity(chart, 'Id', { namespace: 'sbx' });
    expect(only(synth(chart), 'ServiceAccount').automountServiceAccountToken).toBe(false);
  });
});

describe('GvisorRuntimeClass with minimal props', () => {
  const chart = newChart();
  new GvisorRuntimeClass(chart, 'Rc');
  const rc = only(synth(chart), 'RuntimeClass');
  test('handler runsc', () => expect(rc.handler).toBe('runsc'));
  test('scheduled onto the tainted gVisor pool only', () => {
    expect(Object.keys(rc.scheduling.nodeSelector)).toHaveLength(1);
    expect(rc.scheduling.tolerations).toHaveLength(1);
    expect(rc.scheduling.tolerations[0].operator).toBe('Equal');
  });
  test('pod overhead accounted', () =>
    expect(Object.keys(rc.overhead.podFixed).sort()).toEqual(['cpu', 'memory']));
});
