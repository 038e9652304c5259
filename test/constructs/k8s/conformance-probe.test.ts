import { Duration, Size } from 'cdk8s';
import { Cpu, ServiceAccount } from 'cdk8s-plus-28';
import {
  ARGOCD_HOOK_ANNOTATION,
  ARGOCD_HOOK_DELETE_POLICY_ANNOTATION,
  DEFAULT_PROBE_BLOCKED,
  SandboxConformanceProbe,
  SandboxConformanceProbeProps,
} from '../../../constructs/k8s/conformance-probe';
import { EgressProtocol } from '../../../constructs/k8s/egress-policy';
import { EvaluationJob } from '../../../constructs/k8s/evaluation-job';
import {
  EvaluationSandbox,
  EvaluationSandboxProps,
} from '../../../constructs/k8s/evaluation-sandbox';
import { GvisorRuntimeClass } from '../../../constructs/k8s/gvisor-runtime-class';
import { ValidationError } from '../../../constructs/shared/errors';
import { COMPONENT_LABEL, EVALUATION_ID_LABEL } from '../../../constructs/shared/labels';
import { PROBE_IMAGE } from '../../../constructs/shared/probe-image';
import { PolicyEvaluator } from '../../../policies/k8s/evaluate';
import {
  expectSchemaValid,
  expectValidationError,
  K8sObject,
  newChart,
  only,
  podSpec,
  synth,
} from '../../support/k8s';

const IMAGE = `registry.example.com/tasks/swe@sha256:${'e'.repeat(64)}`;

function build(
  props: Partial<SandboxConformanceProbeProps> = {},
  sandboxProps: Partial<EvaluationSandboxProps> = {},
) {
  const chart = newChart();
  const sandbox = new EvaluationSandbox(chart, 'Sandbox', {
    evaluationId: 'run-9',
    image: IMAGE,
    egress: [{ cidr: '10.20.0.0/16', ports: [443] }],
    ...sandboxProps,
  });
  const probe = new SandboxConformanceProbe(chart, 'Probe', { sandbox, ...props });
  const objects = synth(chart);
  const job = only(objects, 'Job', probe.job.name);
  const pod = podSpec(job);
  const container = pod.containers[0] as K8sObject;
  const env = Object.fromEntries(
    (container.env ?? []).map((e: K8sObject) => [e.name, e.value]),
  ) as Record<string, string>;
  return { chart, sandbox, probe, objects, job, pod, container, env };
}

function standalone(props: Partial<SandboxConformanceProbeProps> = {}) {
  const chart = newChart();
  const probe = new SandboxConformanceProbe(chart, 'Probe', { namespace: 'sbx-own', ...props });
  return { probe, objects: () => synth(chart) };
}

describe('SandboxConformanceProbe', () => {
  describe('GIVEN a sandbox and no other props', () => {
    const { job, pod, container, env, objects } = build();

    test('it runs the pinned probe image with `check`, in the evaluation container', () => {
      expect(container.image).toBe(PROBE_IMAGE);
      expect(container.args).toEqual(['check']);
      expect(container.name).toBe('evaluation');
    });
    test("it runs in the sandbox's namespace as the sandbox's identity", () => {
      expect(job.metadata.namespace).toBe('sbx-run-9');
      expect(pod.serviceAccountName).toBe('evaluator');
      expect(pod.automountServiceAccountToken).toBe(false);
    });
    test('the Job is named conformance-probe and carries the evaluation id, labelled as a probe', () => {
      expect(job.metadata.name).toBe('conformance-probe');
      expect(job.metadata.labels[EVALUATION_ID_LABEL]).toBe('run-9');
      expect(job.metadata.labels[COMPONENT_LABEL]).toBe('conformance-probe');
      expect(job.spec.template.metadata.labels[COMPONENT_LABEL]).toBe('conformance-probe');
    });
    test('it has the posture of an evaluation Job (same pod spec apart from image, args, env and sizes)', () => {
      const evaluation = podSpec(only(objects, 'Job', 'eval-run-9'));
      const strip = (spec: K8sObject) => {
        const copy = JSON.parse(JSON.stringify(spec)) as K8sObject;
        for (const c of copy.containers) {
          delete c.image;
          delete c.args;
          delete c.env;
          delete c.resources;
        }
        for (const v of copy.volumes) delete v.emptyDir.sizeLimit;
        return copy;
      };
      expect(strip(pod)).toEqual(strip(evaluation));
      expect(pod.runtimeClassName).toBe('gvisor');
      expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    });
    test('defaults: 250m CPU, 256Mi memory, 1Gi ephemeral storage, 64Mi scratch, 5 min deadline, 1 h TTL, no retries', () => {
      expect(container.resources.limits).toEqual({
        cpu: '250m',
        memory: '256Mi',
        'ephemeral-storage': '1Gi',
      });
      expect(container.resources.requests).toEqual(container.resources.limits);
      // Memory-backed like every evaluation's, and within the probe's 256Mi memory.
      expect(pod.volumes[0].emptyDir).toEqual({ medium: 'Memory', sizeLimit: '64Mi' });
      expect(job.spec.activeDeadlineSeconds).toBe(300);
      expect(job.spec.ttlSecondsAfterFinished).toBe(3600);
      expect(job.spec.backoffLimit).toBe(0);
    });
    test("a failing probe (exit 1) fails the Job at once: the evaluation's pod failure policy", () => {
      expect(job.spec.podFailurePolicy.rules[1]).toEqual({
        action: 'FailJob',
        onExitCodes: { containerName: 'evaluation', operator: 'NotIn', values: [0] },
      });
    });
    test('the environment is computed from its own cpu, memory and scratch path; PROBE_BLOCKED is left to the probe; a sandbox without DNS expects none', () => {
      expect(env).toEqual({
        // The sandbox has no allowClusterDns: no nameserver may answer.
        PROBE_DNS: 'blocked',
        PROBE_EXPECT_CPU_MILLIS: '250',
        PROBE_EXPECT_GVISOR: 'true',
        PROBE_EXPECT_MEMORY_BYTES: String(256 * 1024 * 1024),
        // The pod's cgroup, where gVisor runs, has the RuntimeClass overhead on top.
        PROBE_POD_OVERHEAD_CPU_MILLIS: '100',
        PROBE_POD_OVERHEAD_MEMORY_BYTES: String(128 * 1024 * 1024),
        PROBE_SCRATCH: '/tmp',
      });
      expect(container.volumeMounts[0].mountPath).toBe(env.PROBE_SCRATCH);
      expect(container.env.map((e: K8sObject) => e.name)).toEqual(Object.keys(env).sort());
    });
    test('no Argo CD annotations on a plain probe', () => {
      expect(job.metadata.annotations).toBeUndefined();
    });
    test('it is created after the namespace, the identity and the egress policies', () => {
      const order = objects.map((o) => `${o.kind}/${o.metadata.name}`);
      const at = (id: string) => order.indexOf(id);
      for (const before of [
        'Namespace/sbx-run-9',
        'ServiceAccount/evaluator',
        'NetworkPolicy/allow-egress-1',
      ])
        expect(at(before)).toBeLessThan(at('Job/conformance-probe'));
    });
    test('every object is valid against the Kubernetes schema', () => expectSchemaValid(objects));
  });

  describe('policy pack (offline, the same CEL as the cluster)', () => {
    const evaluator = PolicyEvaluator.forPack();
    test.each([
      ['a plain probe', {}],
      ['the Argo CD PostSync variant', { argoCdHook: true }],
      [
        'a probe with every expectation',
        {
          allowed: ['10.20.0.10:443'],
          blocked: ['10.30.0.10:443'],
          clusterDns: ['10.100.0.10'],
          dnsOutside: ['10.30.0.53:53'],
          dnsName: 'kubernetes.default.svc.cluster.local',
          timeout: Duration.seconds(2),
        },
      ],
    ] as [string, Partial<SandboxConformanceProbeProps>][])(
      'GIVEN %s THEN no rule refuses any object of the sandbox',
      (_what, props) => {
        for (const o of build(props).objects) {
          const id = `${o.kind}/${o.metadata.name}`;
          expect({ id, ...evaluator.evaluate(o) }).toEqual({ id, admitted: true, violations: [] });
        }
      },
    );
  });

  describe('Argo CD PostSync hook', () => {
    const { job, sandbox } = build({ argoCdHook: true });
    test('annotated as a PostSync hook, recreated before each sync and kept after it', () => {
      expect(job.metadata.annotations).toEqual({
        [ARGOCD_HOOK_ANNOTATION]: 'PostSync',
        [ARGOCD_HOOK_DELETE_POLICY_ANNOTATION]: 'BeforeHookCreation',
      });
    });
    test('a failing probe fails the hook Job at once (no retries, FailJob on exit code), so the sync fails', () => {
      expect(job.spec.backoffLimit).toBe(0);
      expect(job.spec.podFailurePolicy.rules.map((r: K8sObject) => r.action)).toEqual([
        'Ignore',
        'FailJob',
      ]);
      expect(job.spec.activeDeadlineSeconds).toBe(300);
    });
    test('the posture record names the hook', () => {
      const record = sandbox.posture.record() as K8sObject;
      expect(record.probe).toEqual({
        image: PROBE_IMAGE,
        job: 'conformance-probe',
        argoCdHook: 'PostSync',
      });
    });
  });

  describe('expectations', () => {
    test('GIVEN extra blocked targets THEN PROBE_BLOCKED is the defaults followed by them', () => {
      const { env } = build({ blocked: ['10.30.0.10:443', 'example.com:80', '[2001:db8::1]:443'] });
      expect(env.PROBE_BLOCKED.split(',')).toEqual([
        ...DEFAULT_PROBE_BLOCKED,
        '10.30.0.10:443',
        'example.com:80',
        '[2001:db8::1]:443',
      ]);
      expect(DEFAULT_PROBE_BLOCKED).toEqual([
        '169.254.169.254:80',
        '169.254.170.23:80',
        '$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)',
        'kubernetes.default.svc.cluster.local:443',
      ]);
    });
    test('GIVEN allowed, clusterDns, dnsName, dnsOutside and timeout THEN each becomes its variable', () => {
      const { env } = build({
        allowed: ['10.20.0.10:443', '10.20.1.1:443'],
        clusterDns: ['10.100.0.10', 'fd00::a'],
        dnsName: 'kubernetes.default.svc.cluster.local',
        dnsOutside: ['10.30.0.53:53'],
        timeout: Duration.seconds(2),
      });
      expect(env).toMatchObject({
        PROBE_ALLOWED: '10.20.0.10:443,10.20.1.1:443',
        PROBE_CLUSTER_DNS: '10.100.0.10,fd00::a',
        PROBE_DNS_NAME: 'kubernetes.default.svc.cluster.local',
        PROBE_DNS_OUTSIDE: '10.30.0.53:53',
        PROBE_TIMEOUT_MS: '2000',
      });
    });
    test('GIVEN cpu and memory THEN the expectations follow them', () => {
      const { env, container } = build({ cpu: Cpu.millis(500), memory: Size.mebibytes(512) });
      expect(container.resources.limits.cpu).toBe('500m');
      expect(env.PROBE_EXPECT_CPU_MILLIS).toBe('500');
      expect(env.PROBE_EXPECT_MEMORY_BYTES).toBe(String(512 * 1024 * 1024));
    });
    test('GIVEN an allowlist entry with all ports THEN any TCP port in it may be allowed', () => {
      const { env } = build(
        { allowed: ['10.40.0.5:8080'] },
        { egress: [{ cidr: '10.40.0.0/24', allowAllPorts: true }] },
      );
      expect(env.PROBE_ALLOWED).toBe('10.40.0.5:8080');
    });
    test('GIVEN an image override pinned by digest THEN it is used', () => {
      expect(build({ image: IMAGE }).container.image).toBe(IMAGE);
    });
    test('GIVEN jobName, deadline, TTL and sizes THEN they are used', () => {
      const { job, container } = build({
        jobName: 'probe-2',
        activeDeadline: Duration.minutes(2),
        ttlAfterFinished: Duration.minutes(20),
        ephemeralStorage: Size.gibibytes(2),
        scratchSize: Size.mebibytes(32),
      });
      expect(job.metadata.name).toBe('probe-2');
      expect(job.spec.activeDeadlineSeconds).toBe(120);
      expect(job.spec.ttlSecondsAfterFinished).toBe(1200);
      expect(container.resources.limits['ephemeral-storage']).toBe('2Gi');
    });
  });

  describe('without a sandbox', () => {
    test('GIVEN namespace and serviceAccount THEN it runs there, as that account, with evaluation id conformance-probe', () => {
      const chart = newChart();
      const sa = ServiceAccount.fromServiceAccountName(chart, 'Sa', 'runner-sa');
      new SandboxConformanceProbe(chart, 'Probe', { namespace: 'sbx-own', serviceAccount: sa });
      const job = only(synth(chart), 'Job');
      expect(job.metadata.namespace).toBe('sbx-own');
      expect(podSpec(job).serviceAccountName).toBe('runner-sa');
      expect(job.metadata.labels[EVALUATION_ID_LABEL]).toBe('conformance-probe');
    });
    test('GIVEN egress THEN allowed is checked against it', () => {
      const { probe } = standalone({
        egress: [{ cidr: '10.20.0.0/16', ports: [443] }],
        allowed: ['10.20.0.10:443'],
      });
      expect(probe.env.PROBE_ALLOWED).toBe('10.20.0.10:443');
    });
    test('no quota check (the namespace is not known)', () => {
      expect(() => standalone({ cpu: Cpu.units(64) }).objects()).not.toThrow();
    });
  });

  describe('runtime overhead defaults are the GvisorRuntimeClass defaults', () => {
    const rc = new GvisorRuntimeClass(newChart(), 'Rc');
    const { probe } = build();
    test('cpu', () => expect(probe.runtimeOverheadCpu.amount).toBe(rc.overheadCpu.amount));
    test('memory', () =>
      expect(probe.runtimeOverheadMemory.toMebibytes()).toBe(rc.overheadMemory.toMebibytes()));
  });

  describe('errors name the prop and the fix', () => {
    test.each([
      [
        'allowed outside the allowlist',
        { allowed: ['10.30.0.10:443'] },
        /allowed entry '10\.30\.0\.10:443' is outside the sandbox's egress allowlist \(the egress allowlist is 10\.20\.0\.0\/16 TCP 443\).*open it with egress\/allowEgressTo \(TCP 443\) or remove it from allowed/,
      ],
      [
        'allowed on a port the allowlist does not open',
        { allowed: ['10.20.0.10:80'] },
        /allowed entry '10\.20\.0\.10:80' is outside/,
      ],
      [
        'allowed as a name',
        { allowed: ['mirror.internal:443'] },
        /allowed entry 'mirror\.internal:443' must name an IP address, not a name; use 'a\.b\.c\.d:port'/,
      ],
      [
        'allowed without a port',
        { allowed: ['10.20.0.10'] },
        /allowed entry '10\.20\.0\.10' is not host:port/,
      ],
      [
        'a port out of range',
        { blocked: ['10.30.0.10:70000'] },
        /blocked entry '10\.30\.0\.10:70000' has port 70000; use 1-65535/,
      ],
      ['port 0', { allowed: ['10.20.0.10:0'] }, /allowed entry '10\.20\.0\.10:0' has port 0/],
      [
        'IPv6 without brackets',
        { blocked: ['2001:db8::1:443'] },
        /blocked entry '2001:db8::1:443' is not host:port/,
      ],
      [
        'brackets around IPv4',
        { blocked: ['[10.0.0.1]:443'] },
        /bracketed host that is not an IPv6 address/,
      ],
      [
        'an invalid host name',
        { blocked: ['bad_host!:443'] },
        /blocked entry 'bad_host!:443' has an invalid host/,
      ],
      [
        'blocked inside the allowlist',
        { blocked: ['10.20.0.10:443'] },
        /blocked entry '10\.20\.0\.10:443' is inside the egress allowlist entry 10\.20\.0\.0\/16, so the probe would fail; remove it from blocked or narrow the allowlist/,
      ],
      [
        'dnsOutside as a name',
        { dnsOutside: ['resolver:53'] },
        /dnsOutside entry 'resolver:53' must name an IP address/,
      ],
      [
        'clusterDns not an IP',
        { clusterDns: ['kube-dns'] },
        /clusterDns entry 'kube-dns' is not an IP address; use for example '10\.100\.0\.10'/,
      ],
      ['dnsName not a name', { dnsName: 'not a name' }, /dnsName 'not a name' is not a DNS name/],
      [
        'a zero timeout',
        { timeout: Duration.millis(0) },
        /timeout must be at least 1 ms; got 0 ms \(use Duration\.seconds\(2\)\)/,
      ],
      [
        'a tag-only image',
        { image: 'busybox:latest' },
        /image 'busybox:latest' must be pinned by digest/,
      ],
      ['a zero cpu', { cpu: Cpu.millis(0) }, /cpu must be a positive whole number of millicores/],
      [
        'a bad overhead',
        { runtimeOverheadCpu: Cpu.millis(0) },
        /runtimeOverheadCpu must be a positive whole number/,
      ],
      [
        'memory-backed scratch larger than its memory',
        { scratchSize: Size.mebibytes(512) },
        /scratchSize '512Mi' exceeds memory '256Mi', and the memory-backed scratch is charged to memory; lower scratchSize, raise memory/,
      ],
      [
        'a deadline over 24 h',
        { activeDeadline: Duration.hours(25) },
        /activeDeadline \(seconds\)/,
      ],
    ] as [string, Partial<SandboxConformanceProbeProps>, RegExp][])(
      'GIVEN %s THEN it throws',
      (_what, props, message) => {
        const err = expectValidationError(() => build(props), message);
        expect(err.path).toMatch(/^test\/Probe/);
      },
    );

    test('GIVEN allowed in the metadata range carved out of a broad allowlist THEN it throws', () => {
      expectValidationError(
        () =>
          build(
            { allowed: ['[fd00:ec2::254]:80'] },
            { egress: [{ cidr: 'fd00:ec2::/32', allowAllPorts: true }] },
          ),
        /allowed entry '\[fd00:ec2::254\]:80' is outside/,
      );
    });
    test('GIVEN a UDP-only allowlist entry THEN a TCP allowed target on it throws', () => {
      expectValidationError(
        () =>
          build(
            { allowed: ['10.20.0.10:443'] },
            { egress: [{ cidr: '10.20.0.0/16', ports: [443], protocol: EgressProtocol.UDP }] },
          ),
        /allowed entry '10\.20\.0\.10:443' is outside .*UDP 443/,
      );
    });
    test('GIVEN a sandbox without egress THEN any allowed target throws and says so', () => {
      expectValidationError(
        () => build({ allowed: ['10.20.0.10:443'] }, { egress: [] }),
        /\(the sandbox allows no egress\)/,
      );
    });
    test('GIVEN sandbox and namespace THEN it throws', () => {
      expectValidationError(
        () => build({ namespace: 'sbx-x' }),
        /set either sandbox or namespace\/serviceAccount, not both/,
      );
    });
    test('GIVEN sandbox and egress THEN it throws', () => {
      expectValidationError(
        () => build({ egress: [{ cidr: '10.0.0.0/8', ports: [443] }] }),
        /egress is read from the sandbox's allowlist when sandbox is set; remove egress/,
      );
    });
    test('GIVEN neither sandbox nor namespace THEN it throws', () => {
      expectValidationError(
        () => new SandboxConformanceProbe(newChart(), 'Probe', {}),
        /namespace is not set; pass sandbox \(an EvaluationSandbox\) or namespace/,
      );
    });
    test('GIVEN an invalid namespace THEN it throws', () => {
      expectValidationError(
        () => standalone({ namespace: 'Not_Valid' }).objects(),
        /namespace 'Not_Valid'/,
      );
    });
    test('GIVEN no egress without a sandbox THEN allowed throws', () => {
      expectValidationError(
        () => standalone({ allowed: ['10.20.0.10:443'] }),
        /allowed entry '10\.20\.0\.10:443' is outside .*the sandbox allows no egress/,
      );
    });

    describe('the probe and the evaluation, each with the gVisor overhead, must fit the quota together', () => {
      test('GIVEN cpu that fits alone but not with the probe and 2 x 100m THEN it throws naming both fixes', () => {
        // 3650m + 250m + 2 x 100m = 4100m > 4 cores
        expectValidationError(
          () => build({}, { cpu: Cpu.millis(3650) }),
          /cpu: the probe \(250m\) and the evaluation \(3650m\) with the runtime overhead \(2 x 100m\) need 4100m, more than the sandbox quotaCpu 4.*lower the probe's cpu or raise the sandbox's quotaCpu/,
        );
      });
      test('GIVEN cpu that fits exactly THEN it is accepted', () => {
        expect(() => build({}, { cpu: Cpu.millis(3550) })).not.toThrow();
      });
      test('GIVEN memory over the quota with the overhead THEN it throws', () => {
        // 7.5Gi + 256Mi + 2 x 128Mi = 8Gi + 0 -> fits; 7.5Gi + 1Mi more does not
        expect(() => build({}, { memory: Size.mebibytes(7680) })).not.toThrow();
        expectValidationError(
          () => build({}, { memory: Size.mebibytes(7681) }),
          /memory: the probe \(256Mi\) and the evaluation \(7681Mi\) with the runtime overhead \(2 x 128Mi\) need 8193Mi, more than the sandbox quotaMemory 8Gi; lower the probe's memory or raise the sandbox's quotaMemory/,
        );
      });
      test('GIVEN memory-backed scratch THEN it is counted once, inside memory (it is charged to the memory limit)', () => {
        // 7.5Gi + 256Mi + 2 x 128Mi = 8Gi: a 7Gi tmpfs scratch adds nothing on top.
        expect(() =>
          build({}, { memory: Size.mebibytes(7680), scratchSize: Size.gibibytes(7) }),
        ).not.toThrow();
      });
      test('GIVEN ephemeral storage over the quota THEN it throws', () => {
        expectValidationError(
          () => build({ ephemeralStorage: Size.gibibytes(17) }),
          /ephemeralStorage: the probe and the evaluation need 21504Mi, more than the sandbox quotaEphemeralStorage 20Gi/,
        );
      });
      test('GIVEN quotaPods 1 THEN it throws', () => {
        expectValidationError(
          () => build({}, { quotaPods: 1 }),
          /the sandbox quotaPods is 1, so the probe and the evaluation cannot run together; raise quotaPods to 2 or more/,
        );
      });
      test('GIVEN a larger runtime overhead THEN it is counted', () => {
        expectValidationError(
          () => build({ runtimeOverheadCpu: Cpu.millis(200) }, { cpu: Cpu.millis(3400) }),
          /need 4050m/,
        );
      });
    });

    test('GIVEN two probes for one sandbox THEN the second throws', () => {
      const chart = newChart();
      const sandbox = new EvaluationSandbox(chart, 'Sandbox', { evaluationId: 'x', image: IMAGE });
      new SandboxConformanceProbe(chart, 'One', { sandbox });
      expectValidationError(
        () => new SandboxConformanceProbe(chart, 'Two', { sandbox, jobName: 'probe-two' }),
        /a conformance probe \('conformance-probe'\) is already recorded for job 'eval-x'; create one SandboxConformanceProbe per sandbox/,
      );
    });
  });

  describe('SandboxConformanceProbe.environment (for an evaluation that runs the probe image)', () => {
    test('defaults are the EvaluationJob defaults (1 CPU, 2Gi, /tmp)', () => {
      const job = new EvaluationJob(newChart(), 'Job', { image: IMAGE, evaluationId: 'x' });
      expect(SandboxConformanceProbe.environment()).toEqual({
        PROBE_EXPECT_CPU_MILLIS: '1000',
        PROBE_EXPECT_GVISOR: 'true',
        PROBE_EXPECT_MEMORY_BYTES: String(2 * 1024 ** 3),
        PROBE_POD_OVERHEAD_CPU_MILLIS: '100',
        PROBE_POD_OVERHEAD_MEMORY_BYTES: String(128 * 1024 * 1024),
        PROBE_SCRATCH: '/tmp',
      });
      expect(SandboxConformanceProbe.environmentForJob(job)).toEqual(
        SandboxConformanceProbe.environment(),
      );
    });
    test('GIVEN a job THEN environmentForJob follows its cpu, memory and scratch path', () => {
      const job = new EvaluationJob(newChart(), 'Job', {
        image: IMAGE,
        evaluationId: 'x',
        cpu: Cpu.millis(1500),
        memory: Size.gibibytes(4),
        scratchPath: '/work',
      });
      expect(
        SandboxConformanceProbe.environmentForJob(job, { dnsOutside: ['10.30.0.53:53'] }),
      ).toEqual({
        PROBE_DNS_OUTSIDE: '10.30.0.53:53',
        PROBE_EXPECT_CPU_MILLIS: '1500',
        PROBE_EXPECT_GVISOR: 'true',
        PROBE_EXPECT_MEMORY_BYTES: String(4 * 1024 ** 3),
        PROBE_POD_OVERHEAD_CPU_MILLIS: '100',
        PROBE_POD_OVERHEAD_MEMORY_BYTES: String(128 * 1024 * 1024),
        PROBE_SCRATCH: '/work',
      });
    });
    test('GIVEN a RuntimeClass overhead THEN the probe is told it (the pod-level limits it sees)', () => {
      const env = SandboxConformanceProbe.environment({
        runtimeOverheadCpu: Cpu.millis(250),
        runtimeOverheadMemory: Size.mebibytes(256),
      });
      expect(env.PROBE_POD_OVERHEAD_CPU_MILLIS).toBe('250');
      expect(env.PROBE_POD_OVERHEAD_MEMORY_BYTES).toBe(String(256 * 1024 * 1024));
    });
    test('GIVEN a zero CPU overhead THEN it throws naming runtimeOverheadCpu', () => {
      expectValidationError(
        () => SandboxConformanceProbe.environment({ runtimeOverheadCpu: Cpu.millis(0) }),
        /runtimeOverheadCpu/,
      );
    });
    test('GIVEN allowed outside egress THEN it throws a ValidationError naming the helper', () => {
      const err = expectValidationError(
        () => SandboxConformanceProbe.environment({ allowed: ['10.20.0.10:443'] }),
        /allowed entry '10\.20\.0\.10:443' is outside/,
      );
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.path).toBe('SandboxConformanceProbe.environment');
    });
    test('GIVEN a relative scratch path THEN it throws', () => {
      expectValidationError(
        () => SandboxConformanceProbe.environment({ scratchPath: 'tmp' }),
        /scratchPath 'tmp' must be an absolute path other than '\/'/,
      );
    });
    test('GIVEN a zero memory THEN it throws', () => {
      expectValidationError(
        () => SandboxConformanceProbe.environment({ memory: Size.mebibytes(0) }),
        /memory must be a positive size/,
      );
    });
  });

  test('snapshot (with an image override, so a new probe digest does not churn it)', () => {
    const { job } = build({
      image: IMAGE,
      allowed: ['10.20.0.10:443'],
      blocked: ['10.30.0.10:443'],
      dnsOutside: ['10.30.0.53:53'],
      argoCdHook: true,
    });
    expect(job).toMatchSnapshot();
  });
});

describe('SandboxConformanceProbe and DNS', () => {
  test('GIVEN a sandbox with allowClusterDns THEN the probe resolves through the cluster DNS (no PROBE_DNS); without, it expects no answer', () => {
    const envOf = (allowClusterDns: boolean) => {
      const chart = newChart();
      const sandbox = new EvaluationSandbox(chart, 'Sandbox', {
        evaluationId: 'dns-probe',
        image: IMAGE,
        allowClusterDns,
      });
      return new SandboxConformanceProbe(chart, 'Probe', { sandbox }).env;
    };
    expect(envOf(true).PROBE_DNS).toBeUndefined();
    expect(envOf(false).PROBE_DNS).toBe('blocked');
  });

  test('GIVEN clusterDnsAllowed next to a sandbox THEN it is refused (the sandbox decides)', () => {
    const chart = newChart();
    const sandbox = new EvaluationSandbox(chart, 'Sandbox', {
      evaluationId: 'dns-probe',
      image: IMAGE,
    });
    expect(
      () => new SandboxConformanceProbe(chart, 'Probe', { sandbox, clusterDnsAllowed: true }),
    ).toThrow(
      'clusterDnsAllowed is read from the sandbox (its allowClusterDns) when sandbox is set; remove clusterDnsAllowed',
    );
  });

  test('GIVEN clusterDnsAllowed false without a sandbox THEN PROBE_DNS is blocked', () => {
    expect(
      SandboxConformanceProbe.environment({
        cpu: Cpu.millis(250),
        memory: Size.mebibytes(256),
        scratchPath: '/tmp',
        clusterDnsAllowed: false,
      }).PROBE_DNS,
    ).toBe('blocked');
  });
});
