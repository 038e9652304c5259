import { Duration, Size } from 'cdk8s';
import { Cpu, ServiceAccount } from 'cdk8s-plus-28';
import { DEFAULT_JANITOR_OPTIONS } from '../../../constructs/k8s/janitor-logic';
import { EvaluationJob, EvaluationJobProps } from '../../../constructs/k8s/evaluation-job';
import { EVALUATION_ID_LABEL, MODEL_LABEL, TASK_LABEL } from '../../../constructs/shared/labels';
import {
  expectValidationError,
  K8sObject,
  newChart,
  only,
  podSpec,
  synth,
} from '../../support/k8s';

const IMAGE = `registry.example.com/tasks/swe@sha256:${'b'.repeat(64)}`;

function build(props: Partial<EvaluationJobProps> = {}) {
  const chart = newChart();
  const job = new EvaluationJob(chart, 'Job', {
    image: IMAGE,
    evaluationId: 'run-1',
    namespace: 'sbx-1',
    ...props,
  });
  const obj = only(synth(chart), 'Job');
  return { job, obj, pod: podSpec(obj), container: podSpec(obj).containers[0] as K8sObject };
}

describe('EvaluationJob', () => {
  describe('JSON patches (cdk8s-plus-28 has no props for these)', () => {
    test('runtimeClassName is gvisor', () => {
      expect(build().pod.runtimeClassName).toBe('gvisor');
    });
    test('priorityClassName is the sandbox class (low, never preempting)', () => {
      expect(build().pod.priorityClassName).toBe('eval-sandbox-sandbox');
    });

    test('enableServiceLinks is false', () => {
      expect(build().pod.enableServiceLinks).toBe(false);
    });
    test('the evaluation container falls back to its log tail for the termination message (ADR 0003)', () => {
      const { container } = build();
      expect(container.name).toBe('evaluation');
      expect(container.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    });
    test('the pod-level seccomp profile is RuntimeDefault', () => {
      expect(build().pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    });
    test('the podFailurePolicy ignores disruptions and fails the Job on the evaluation container exiting non-zero', () => {
      expect(build().obj.spec.podFailurePolicy).toEqual({
        rules: [
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          {
            action: 'FailJob',
            onExitCodes: { containerName: 'evaluation', operator: 'NotIn', values: [0] },
          },
        ],
      });
    });
  });

  describe('defaults', () => {
    test('the pod runs as non-root 65532 with fsGroup 65532, no token, no host namespaces, restartPolicy Never', () => {
      const { pod, job } = build();
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        fsGroup: 65532,
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.hostNetwork).toBe(false);
      expect(pod.hostPID).toBeUndefined();
      expect(pod.hostIPC).toBeUndefined();
      expect(pod.restartPolicy).toBe('Never');
      expect(job.user).toBe(65532);
      expect(job.group).toBe(65532);
    });

    test('the container is locked down: RO root, drop ALL, no escalation, not privileged, RuntimeDefault seccomp', () => {
      expect(build().container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsGroup: 65532,
        runAsNonRoot: true,
        runAsUser: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
    });

    test('requests equal limits: 1 cpu, 2Gi memory, 4Gi ephemeral storage', () => {
      const { container } = build();
      const expected = { cpu: '1', memory: '2048Mi', 'ephemeral-storage': '4Gi' };
      expect(container.resources).toEqual({ requests: expected, limits: expected });
    });

    test('a 1Gi memory-backed scratch emptyDir (a tmpfs, hard-bounded) is mounted at /tmp', () => {
      const { pod, container, job } = build();
      expect(pod.volumes).toEqual([
        { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '1024Mi' } },
      ]);
      expect(container.volumeMounts).toEqual([{ name: 'scratch', mountPath: '/tmp' }]);
      expect(job.scratchSize.asString()).toBe('1Gi');
      expect(job.scratchPath).toBe('/tmp');
      expect(job.scratchOnDisk).toBe(false);
    });

    test('deadline 1h, TTL 8 days (a dead letter keeps its logs through the janitor’s retention), no retries', () => {
      const { obj, job } = build();
      expect(obj.spec.activeDeadlineSeconds).toBe(3600);
      expect(obj.spec.ttlSecondsAfterFinished).toBe(8 * 24 * 3600);
      expect(obj.spec.backoffLimit).toBe(0);
      expect(job.activeDeadline.toSeconds()).toBe(3600);
      expect(job.ttlAfterFinished.toSeconds()).toBeGreaterThan(
        DEFAULT_JANITOR_OPTIONS.deadLetterRetentionSeconds,
      );
    });

    test('the image is pulled by digest, IfNotPresent, in a container named evaluation', () => {
      const { container } = build();
      expect(container).toMatchObject({
        name: 'evaluation',
        image: IMAGE,
        imagePullPolicy: 'IfNotPresent',
      });
    });

    test('the Job is named eval-<evaluation id> and carries provenance labels on itself and its pods', () => {
      const { obj } = build({ evaluationId: 'Run_42', task: 'swe-1', model: 'model-x' });
      expect(obj.metadata.name).toBe('eval-run-42');
      expect(obj.metadata.namespace).toBe('sbx-1');
      const labels = {
        [EVALUATION_ID_LABEL]: 'Run_42',
        [TASK_LABEL]: 'swe-1',
        [MODEL_LABEL]: 'model-x',
      };
      expect(obj.metadata.labels).toMatchObject(labels);
      expect(obj.spec.template.metadata.labels).toMatchObject(labels);
    });

    test('the pods carry karpenter.sh/do-not-disrupt, so consolidation never drains a running evaluation', () => {
      const { obj } = build();
      expect(obj.spec.template.metadata.annotations).toEqual({
        'karpenter.sh/do-not-disrupt': 'true',
      });
    });

    test('without task and model there are no empty provenance labels', () => {
      const { obj } = build();
      expect(obj.metadata.labels[TASK_LABEL]).toBeUndefined();
      expect(obj.metadata.labels[MODEL_LABEL]).toBeUndefined();
    });

    test('without a service account the pod uses the namespace default, still without a token', () => {
      const { pod } = build();
      expect(pod.serviceAccountName).toBeUndefined();
      expect(pod.automountServiceAccountToken).toBe(false);
    });
  });

  describe('props', () => {
    test('resources, scratch, deadline, TTL, retries, ids, command and env are passed through', () => {
      const chart = newChart();
      const sa = ServiceAccount.fromServiceAccountName(chart, 'Sa', 'agent');
      new EvaluationJob(chart, 'Job', {
        image: IMAGE,
        evaluationId: 'run-1',
        jobName: 'custom',
        cpu: Cpu.millis(1500),
        memory: Size.gibibytes(8),
        ephemeralStorage: Size.gibibytes(10),
        scratchSize: Size.gibibytes(5),
        scratchPath: '/work',
        activeDeadline: Duration.hours(6),
        ttlAfterFinished: Duration.minutes(30),
        backoffLimit: 2,
        user: 1000,
        group: 2000,
        command: ['python', '-m', 'task'],
        args: ['--fast'],
        env: { TASK_MODE: 'eval' },
        serviceAccount: sa,
        provenanceLabels: { 'example.com/commit': 'abc123' },
      });
      const obj = only(synth(chart), 'Job');
      const pod = podSpec(obj);
      const c = pod.containers[0];
      expect(obj.metadata.name).toBe('custom');
      expect(obj.metadata.labels['example.com/commit']).toBe('abc123');
      expect(c.resources.limits).toEqual({
        cpu: '1500m',
        memory: '8192Mi',
        'ephemeral-storage': '10Gi',
      });
      expect(c.resources.requests).toEqual(c.resources.limits);
      expect(pod.volumes[0].emptyDir.sizeLimit).toBe('5120Mi');
      expect(c.volumeMounts[0].mountPath).toBe('/work');
      expect(obj.spec).toMatchObject({
        activeDeadlineSeconds: 21600,
        ttlSecondsAfterFinished: 1800,
        backoffLimit: 2,
      });
      expect(pod.securityContext).toMatchObject({
        runAsUser: 1000,
        runAsGroup: 2000,
        fsGroup: 2000,
      });
      expect(c.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 2000 });
      expect(c.command).toEqual(['python', '-m', 'task']);
      expect(c.args).toEqual(['--fast']);
      expect(c.env).toEqual([{ name: 'TASK_MODE', value: 'eval' }]);
      expect(pod.serviceAccountName).toBe('agent');
      // With retries, the evaluation's own failure counts towards them instead of failing the Job.
      expect(obj.spec.podFailurePolicy.rules).toEqual([
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        {
          action: 'Count',
          onExitCodes: { containerName: 'evaluation', operator: 'NotIn', values: [0] },
        },
      ]);
    });
  });

  describe('scratch medium', () => {
    test('GIVEN scratchOnDisk THEN the emptyDir has no medium (the node disk) and the field says so', () => {
      const { pod, job } = build({ scratchOnDisk: true });
      expect(pod.volumes).toEqual([{ name: 'scratch', emptyDir: { sizeLimit: '1024Mi' } }]);
      expect(job.scratchOnDisk).toBe(true);
    });

    test('GIVEN memory-backed scratch equal to memory THEN it is accepted', () => {
      const { pod } = build({ scratchSize: Size.gibibytes(2), memory: Size.gibibytes(2) });
      expect(pod.volumes[0].emptyDir).toEqual({ medium: 'Memory', sizeLimit: '2048Mi' });
    });

    test('GIVEN memory-backed scratch larger than ephemeralStorage THEN it is accepted (a tmpfs is not ephemeral storage)', () => {
      const { pod } = build({
        scratchSize: Size.gibibytes(6),
        memory: Size.gibibytes(8),
        ephemeralStorage: Size.gibibytes(4),
      });
      expect(pod.volumes[0].emptyDir).toEqual({ medium: 'Memory', sizeLimit: '6144Mi' });
    });

    test('GIVEN scratchOnDisk THEN scratch larger than memory is accepted (it is not charged to memory)', () => {
      const { pod } = build({
        scratchOnDisk: true,
        scratchSize: Size.gibibytes(3),
        memory: Size.gibibytes(1),
      });
      expect(pod.volumes[0].emptyDir).toEqual({ sizeLimit: '3072Mi' });
    });
  });

  describe('errors', () => {
    test.each<[string, Partial<EvaluationJobProps>, RegExp]>([
      [
        'a tag-only image',
        { image: 'busybox:latest' },
        /Job: image 'busybox:latest' must be pinned by digest; use 'registry\/repo\/name@sha256:<64 lowercase hex>'/,
      ],
      ['an untagged image', { image: 'busybox' }, /must be pinned by digest/],
      [
        'a truncated digest',
        { image: `busybox@sha256:${'a'.repeat(12)}` },
        /must be pinned by digest/,
      ],
      ['an empty evaluation id', { evaluationId: '' }, /evaluationId is empty/],
      [
        'an evaluation id with a slash',
        { evaluationId: 'a/b' },
        /evaluationId 'a\/b' is not a valid label value/,
      ],
      [
        'a model with a slash',
        { model: 'anthropic/claude' },
        /model 'anthropic\/claude' is not a valid label value; .* replace '\/' and ':' with '-'/,
      ],
      ['a task too long', { task: 'x'.repeat(64) }, /task '.*' is not a valid label value/],
      [
        'a reserved provenance label',
        { provenanceLabels: { [EVALUATION_ID_LABEL]: 'x' } },
        /provenanceLabels may not set 'eval-sandbox.io\/evaluation-id'/,
      ],
      [
        'an invalid provenance key',
        { provenanceLabels: { 'a b': 'x' } },
        /provenanceLabels key 'a b' is not a valid label key/,
      ],
      [
        'a derived job name that is too long',
        { evaluationId: 'x'.repeat(60) },
        /jobName \(derived from evaluationId\) 'eval-x+' is not a valid name/,
      ],
      ['an invalid job name', { jobName: 'Job_1' }, /jobName 'Job_1' is not a valid name/],
      ['root', { user: 0 }, /user must be a whole number from 1 to 2147483647; got 0/],
      ['the root group', { group: 0 }, /group must be a whole number from 1/],
      [
        'no deadline',
        { activeDeadline: Duration.seconds(0) },
        /activeDeadline \(seconds\) must be a whole number from 1/,
      ],
      [
        'a TTL the janitor can miss',
        { ttlAfterFinished: Duration.minutes(14) },
        /ttlAfterFinished must be whole seconds from 900 \(15 minutes\) up; got 840: the sandbox janitor runs at least every 5 minutes/,
      ],
      ['no TTL at all', { ttlAfterFinished: Duration.seconds(0) }, /ttlAfterFinished must be/],
      [
        'too many retries',
        { backoffLimit: 1000 },
        /backoffLimit must be a whole number from 0 to 5/,
      ],
      [
        'memory-backed scratch larger than memory',
        { scratchSize: Size.gibibytes(3) },
        /scratchSize '3Gi' exceeds memory '2Gi', and the memory-backed scratch is charged to memory; lower scratchSize, raise memory, or set scratchOnDisk/,
      ],
      [
        'disk scratch larger than ephemeral storage',
        { scratchOnDisk: true, scratchSize: Size.gibibytes(8) },
        /scratchSize '8Gi' exceeds ephemeralStorage '4Gi'; raise ephemeralStorage or lower scratchSize/,
      ],
      [
        'a relative scratch path',
        { scratchPath: 'tmp' },
        /scratchPath 'tmp' must be an absolute path other than '\/'/,
      ],
      ['scratch at the root', { scratchPath: '/' }, /scratchPath '\/' must be an absolute path/],
      ['zero CPU', { cpu: Cpu.millis(0) }, /cpu must be a positive whole number of millicores/],
      ['zero memory', { memory: Size.mebibytes(0) }, /memory must be a positive size/],
      ['an invalid env name', { env: { '1BAD': 'x' } }, /env name '1BAD' is not valid/],
    ])('GIVEN %s THEN it throws with the construct path', (_what, props, message) => {
      const err = expectValidationError(() => build(props), message);
      expect(err.message.startsWith(`${err.path}: `)).toBe(true);
      expect(err.path).toMatch(/\/Job$/);
    });
  });

  test('snapshot', () => {
    expect(build({ task: 'swe-1', model: 'model-x' }).obj).toMatchSnapshot();
  });
});
