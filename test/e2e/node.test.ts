/**
 * A sandbox, run for real: the local control plane plus one worker node (cli/local/node.ts, what
 * `eval-sandbox local up --node` starts): kubelet v1.35, containerd 2 with the gVisor shim
 * registered by the GvisorNodeGroup user data's own snippet, kube-proxy, kube-router's NetworkPolicy
 * controller, CoreDNS, and stand-ins for instance metadata and the outside world. The example
 * sandboxes from dist/ run the conformance probe and must pass it; negative controls show the
 * probe's "unreachable" and "gVisor" verdicts are not vacuous; the limits are seen enforced.
 *
 * Needs root (a veth link and cgroups for the node) and the node tools (scripts/build-*.sh build
 * them from the Go module proxy; about 15 minutes once, seconds after).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import { ControlPlane } from '../../cli/local/control-plane';
import { KubeClient, KubeObject } from '../../cli/local/kube-client';
import { LocalNode, NODE_NAME, NodeTools, STANDINS } from '../../cli/local/node';
import { SandboxConformanceProbe } from '../../constructs/k8s/conformance-probe';
import { EvaluationSandbox } from '../../constructs/k8s/evaluation-sandbox';
import { PROBE_IMAGE } from '../../constructs/shared/probe-image';
import {
  NodeHelpers,
  nodeHelpers,
  startLocalNode,
  StartedNode,
  stopLocalNode,
} from '../support/node';
import { ROOT } from '../support/tools';

// Pods start, run and are judged in seconds; a cold node under load needs minutes.
jest.setTimeout(300_000);

let plane: ControlPlane;
let node: LocalNode;
let admin: KubeClient;
let tools: NodeTools;
let stateDir: string;

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}
interface Report {
  readonly probe: string;
  readonly ok: boolean;
  readonly checks: Check[];
}

function docs(file: string): KubeObject[] {
  return parseAllDocuments(fs.readFileSync(path.join(ROOT, file), 'utf8'))
    .map((d) => d.toJSON() as KubeObject)
    .filter(Boolean);
}

// Bound to the started node in beforeAll.
let applyAll: NodeHelpers['applyAll'];
let get: NodeHelpers['get'];
let until: NodeHelpers['until'];
let jobPods: NodeHelpers['jobPods'];
let explain: NodeHelpers['explain'];
let finished: NodeHelpers['finished'];

/** The terminated state of a Job's (only) pod's container. */
async function terminated(ns: string, job: string): Promise<KubeObject> {
  const pods = await jobPods(ns, job);
  expect(pods).toHaveLength(1);
  const state = pods[0].status.containerStatuses?.[0]?.state?.terminated;
  if (!state)
    throw new Error(`pod ${pods[0].metadata.name} has not terminated: ${await explain(ns)}`);
  return state;
}

function check(report: Report, name: string): Check {
  const c = report.checks.find((x) => x.name === name);
  if (!c) throw new Error(`the report has no check '${name}': ${JSON.stringify(report)}`);
  return c;
}

/** A sandbox made by our constructs, running the probe image with `args`, applied as the platform. */
async function sandbox(
  id: string,
  options: Partial<ConstructorParameters<typeof EvaluationSandbox>[2]>,
  filter: (o: KubeObject) => boolean = () => true,
  edit: (o: KubeObject) => KubeObject = (o) => o,
): Promise<{ ns: string; job: string }> {
  const chart = new Chart(Testing.app(), id, { disableResourceNameHashes: true });
  const s = new EvaluationSandbox(chart, 'Sandbox', {
    evaluationId: id,
    image: PROBE_IMAGE,
    // Small, so one fits beside another on the 2-CPU node.
    cpu: kplus.Cpu.millis(250),
    memory: Size.mebibytes(256),
    scratchSize: Size.mebibytes(64),
    ...options,
  });
  await applyAll(Testing.synth(chart).filter(filter).map(edit));
  return { ns: s.namespace.name, job: s.job.name };
}

let started: StartedNode | undefined;

beforeAll(async () => {
  started = await startLocalNode('eval-sandbox-node');
  ({ applyAll, get, until, jobPods, explain, finished } = nodeHelpers(started));
  ({ plane, node, tools, stateDir } = started);
  admin = plane.admin();
}, 45 * 60_000);

afterAll(() => stopLocalNode(started), 120_000);

describe('the node', () => {
  test('is labelled and tainted like the gVisor pool, and Ready', async () => {
    const n = await get(`/api/v1/nodes/${NODE_NAME}`);
    expect(n.metadata.labels['eval-sandbox.io/runtime']).toBe('gvisor');
    expect(n.spec.taints).toEqual([
      { key: 'eval-sandbox.io/sandbox', value: 'gvisor', effect: 'NoSchedule' },
    ]);
    expect(n.status.nodeInfo.kubeletVersion).toBe('v1.35.4');
    expect(n.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\/2\./);
  });

  test("containerd registers runsc with the GvisorNodeGroup user data's snippet, verbatim", () => {
    const config = fs.readFileSync(path.join(stateDir, 'node', 'containerd.toml'), 'utf8');
    // The snippet is imported from the AWS construct, so the node runs what EKS nodes get.
    expect(config).toContain('runtime_type = "io.containerd.runsc.v1"');
    expect(config).toContain('ConfigPath = "/etc/containerd/runsc.toml"');
    const dumped = node.exec([tools.containerd, 'config', 'dump']);
    expect(dumped).toMatch(/runtimes\.runsc\]\s+[^[]*runtime_type = 'io\.containerd\.runsc\.v1'/);
    expect(node.exec(['cat', '/etc/containerd/runsc.toml'])).toContain('platform = "systrap"');
  });
});

describe('the example sandboxes from dist/, applied as-is', () => {
  const examples = [
    { ns: 'sbx-swe-0001', job: 'eval-swe-0001', allowed: ['allowed:10.20.0.10:443'] },
    { ns: 'sbx-ctf-0002', job: 'eval-ctf-0002', allowed: [] },
  ];
  const reports: Record<string, Report> = {};

  beforeAll(async () => {
    await applyAll(docs('dist/example-sandboxes.k8s.yaml'));
    for (const e of examples) await finished(e.ns, e.job, 240_000);
  }, 300_000);

  test.each(examples)('$job completes on the gVisor node', async ({ ns, job }) => {
    const j = await get(`/apis/batch/v1/namespaces/${ns}/jobs/${job}`);
    expect(j.status.succeeded).toBe(1);
    const [pod] = await jobPods(ns, job);
    expect(pod.spec.nodeName).toBe(NODE_NAME);
    expect(pod.spec.runtimeClassName).toBe('gvisor');
  });

  test.each(examples)(
    "$job's log, read through the API server and the kubelet, is the probe's passing report",
    async ({ ns, job, allowed }) => {
      const [pod] = await jobPods(ns, job);
      const res = await admin.request(
        'GET',
        `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/log`,
      );
      expect(res.status).toBe(200);
      const report = JSON.parse(res.text.trim()) as Report;
      reports[job] = report;
      expect(report.probe).toBe('eval-sandbox-conformance');
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.ok).toBe(true);
      // The checks the issue names, each present (and passing, above).
      for (const name of [
        'gvisor',
        'service-account-token',
        'blocked:169.254.169.254:80',
        'blocked:169.254.170.23:80',
        'blocked:kubernetes.default.svc.cluster.local:443',
        'blocked:10.30.0.10:443',
        'dns:nameservers',
        // The examples have no DNS (no allowClusterDns): the cluster DNS must not answer them.
        'dns:blocked',
        'dns-outside:10.30.0.53:53',
        'read-only-rootfs',
        'non-root',
        'no-capabilities',
        'scratch-writable',
        'memory-limit',
        'cpu-limit',
        ...allowed,
      ])
        check(report, name);
      // The same report is the pod's termination message, where the posture record points.
      const state = pod.status.containerStatuses[0].state.terminated;
      expect(JSON.parse(state.message)).toEqual(report);
    },
  );

  test.each(examples)('$job ran under runsc, seen from the node', async ({ ns, job }) => {
    const [pod] = await jobPods(ns, job);
    const id = pod.status.containerStatuses[0].containerID.replace('containerd://', '');
    const info = JSON.parse(
      node.exec([tools.ctr, '--namespace', 'k8s.io', 'containers', 'info', id]),
    );
    expect(info.Runtime.Name).toBe('io.containerd.runsc.v1');
  });
});

describe('what the record says, the node shows', () => {
  test.each([
    { ns: 'sbx-swe-0001', job: 'eval-swe-0001' },
    { ns: 'sbx-ctf-0002', job: 'eval-ctf-0002' },
  ])("$job's posture record agrees with what its probe saw from inside", async ({ ns, job }) => {
    const cm = await get(`/api/v1/namespaces/${ns}/configmaps/${job}-posture`);
    const record = JSON.parse(cm.data['posture.json']);
    const [pod] = await jobPods(ns, job);
    const status = pod.status.containerStatuses[0];
    const report = JSON.parse(status.state.terminated.message) as Report;
    expect(record.runtime.handler).toBe('runsc');
    expect(check(report, 'gvisor').ok).toBe(true);
    // The image that ran is the one recorded, by digest.
    expect(String(status.imageID)).toMatch(new RegExp(`@${record.image.digest}$`));
    // The limits in force (seen from inside: the pod cgroup, container plus RuntimeClass overhead)
    // are the recorded ones.
    const overhead = 128 * 1024 * 1024;
    expect(check(report, 'memory-limit').detail).toContain(
      `= ${record.limits.memory.bytes + overhead} = the limit + the pod overhead`,
    );
    expect(check(report, 'cpu-limit').detail).toContain(
      `= ${record.limits.cpu.millicores + 100}m = the limit + the pod overhead`,
    );
    expect(check(report, 'scratch-writable').detail).toContain(record.limits.scratch.path);
    expect(record.identity.automountServiceAccountToken).toBe(false);
    expect(check(report, 'service-account-token').ok).toBe(true);
    expect(record.podSecurity.runAsUser).toBe(65532);
    expect(check(report, 'non-root').detail).toContain(`uid=${record.podSecurity.runAsUser}`);
  });

  test('eval-sandbox posture joins the record with the report the kubelet recorded', () => {
    const kubeconfig = plane.writeKubeconfig(path.join(stateDir, 'posture.kubeconfig'));
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(ROOT, 'bin', 'eval-sandbox.js'), 'posture', ...args], {
        encoding: 'utf8',
      });
    const out = run('sbx-swe-0001/eval-swe-0001', '--kubeconfig', kubeconfig);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const joined = JSON.parse(out.stdout);
    expect(joined.record.job).toEqual({ name: 'eval-swe-0001', namespace: 'sbx-swe-0001' });
    expect(joined.probe).toMatchObject({ job: 'eval-swe-0001', exitCode: 0, ok: true });
    expect(joined.probe.report.checks.length).toBeGreaterThan(10);
    // A probe that failed on the node (the runc negative control ran outside a sandbox; the
    // allow-all one has no record) is covered by the unit tests; here the text summary.
    const text = run('sbx-swe-0001/eval-swe-0001', '--kubeconfig', kubeconfig, '--output', 'text');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/runsc/);
  });

  test('a SandboxConformanceProbe beside an evaluation passes, and the record names it', async () => {
    const chart = new Chart(Testing.app(), 'probed', { disableResourceNameHashes: true });
    const s = new EvaluationSandbox(chart, 'Sandbox', {
      evaluationId: 'probed',
      image: PROBE_IMAGE,
      cpu: kplus.Cpu.millis(250),
      memory: Size.mebibytes(256),
      scratchSize: Size.mebibytes(64),
      args: ['sleep', '1'],
      egress: [{ cidr: '10.20.0.0/16', ports: [443] }],
    });
    const probe = new SandboxConformanceProbe(chart, 'Probe', {
      sandbox: s,
      allowed: ['10.20.0.10:443'],
      blocked: ['10.30.0.10:443'],
      dnsOutside: ['10.30.0.53:53'],
      argoCdHook: true,
    });
    await applyAll(Testing.synth(chart));
    const ns = s.namespace.name;
    for (const job of [s.job.name, probe.job.name])
      expect(await finished(ns, job)).toMatchObject({ type: 'Complete' });
    const report = JSON.parse((await terminated(ns, probe.job.name)).message) as Report;
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    check(report, 'allowed:10.20.0.10:443');
    const record = JSON.parse(
      (await get(`/api/v1/namespaces/${ns}/configmaps/${s.job.name}-posture`)).data['posture.json'],
    );
    expect(record.probe).toMatchObject({ job: probe.job.name, image: PROBE_IMAGE });
  });
});

describe('the probe is not vacuous', () => {
  test('the same probe under runc (no RuntimeClass) fails its gVisor check', async () => {
    const ns = 'probe-under-runc';
    await applyAll([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'probe', namespace: ns },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          tolerations: [{ key: 'eval-sandbox.io/sandbox', operator: 'Exists' }],
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 },
          containers: [
            {
              name: 'probe',
              image: PROBE_IMAGE,
              args: ['check'],
              env: [{ name: 'PROBE_BLOCKED', value: '10.30.0.10:443' }],
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      },
    ]);
    const pod = await until(
      'the runc probe pod terminated',
      async () => {
        const p = await get(`/api/v1/namespaces/${ns}/pods/probe`);
        return p.status.containerStatuses?.[0]?.state?.terminated ? p : undefined;
      },
      120_000,
      () => explain(ns),
    );
    const state = pod.status.containerStatuses[0].state.terminated;
    expect(state.exitCode).toBe(1);
    const report = JSON.parse(state.message) as Report;
    expect(check(report, 'gvisor').ok).toBe(false);
    // Same image, same node: only the runtime differs.
    expect(check(report, 'non-root').ok).toBe(true);
  });

  test('the same Job without the sandbox policies (an allow-all egress policy instead) reaches the stand-ins', async () => {
    // The node isolates a pod no policy selects (strict mode), so "no policies" means "no
    // traffic" here; allowing all egress is what removing the sandbox's restrictions amounts to.
    // The pack refuses that in a sandbox namespace (SBX-R10), so the same Job and identity run in
    // a plain namespace.
    const ns = 'probe-open';
    const chart = new Chart(Testing.app(), 'open', { disableResourceNameHashes: true });
    const s = new EvaluationSandbox(chart, 'Sandbox', {
      evaluationId: 'probe-open',
      image: PROBE_IMAGE,
      cpu: kplus.Cpu.millis(250),
      memory: Size.mebibytes(256),
      scratchSize: Size.mebibytes(64),
      args: ['check'],
      env: SandboxConformanceProbe.environment({
        cpu: kplus.Cpu.millis(250),
        memory: Size.mebibytes(256),
        scratchPath: '/tmp',
        blocked: ['10.30.0.10:443'],
        dnsOutside: ['10.30.0.53:53'],
        // Expects a sandbox without DNS: here the cluster DNS answers, so dns:blocked must fail.
        clusterDnsAllowed: false,
        // Strict mode drops a new pod's first packets until kube-router has judged it (a second
        // or two): give each connection long enough to be retried after that.
        timeout: Duration.seconds(10),
      }),
    });
    const moved = Testing.synth(chart)
      .filter((o) => o.kind === 'Job' || o.kind === 'ServiceAccount')
      .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns } }));
    await applyAll([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-all-egress', namespace: ns },
        spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{}] },
      },
      ...moved,
    ]);
    const job = s.job.name;
    await finished(ns, job);
    const state = await terminated(ns, job);
    expect(state.exitCode).toBe(1);
    const report = JSON.parse(state.message) as Report;
    for (const target of ['169.254.169.254:80', '169.254.170.23:80', '10.30.0.10:443']) {
      expect(check(report, `blocked:${target}`)).toMatchObject({ ok: false });
      expect(check(report, `blocked:${target}`).detail).toMatch(/^connected/);
    }
    expect(check(report, 'dns-outside:10.30.0.53:53')).toMatchObject({ ok: false });
    expect(check(report, 'dns:blocked')).toMatchObject({ ok: false });
    expect(check(report, 'dns:blocked').detail).toMatch(/this sandbox must have no DNS/);
    // Still gVisor, still our pod posture: only the network differs.
    expect(check(report, 'gvisor').ok).toBe(true);
    expect(check(report, 'read-only-rootfs').ok).toBe(true);
  });
});

describe('the limits, seen enforced', () => {
  test('a process that exceeds its memory limit is OOM-killed', async () => {
    const { ns, job } = await sandbox('limit-oom', {
      args: ['oom'],
      memory: Size.mebibytes(128),
      scratchSize: Size.mebibytes(16),
    });
    const done = await finished(ns, job);
    expect(done.type).toBe('Failed');
    const state = await terminated(ns, job);
    expect(state.reason).toBe('OOMKilled');
    // Killed near its limit (128Mi plus the RuntimeClass overhead of 128Mi), not far past it.
    const allocated = [...String(state.message).matchAll(/allocated (\d+) MiB/g)].map((m) =>
      Number(m[1]),
    );
    expect(allocated.length).toBeGreaterThan(0);
    expect(Math.max(...allocated)).toBeLessThanOrEqual(256);
  });

  test('one that outlives activeDeadlineSeconds is killed and the Job fails with DeadlineExceeded', async () => {
    const { ns, job } = await sandbox('limit-deadline', {
      args: ['sleep', '600'],
      activeDeadline: Duration.seconds(10),
    });
    // While it runs, the node shows its runsc sandbox.
    const id = await until(
      'the sleeping pod runs',
      async () => {
        const [pod] = await jobPods(ns, job);
        const status = pod?.status.containerStatuses?.[0];
        return status?.state?.running
          ? String(status.containerID).replace('containerd://', '')
          : undefined;
      },
      120_000,
      () => explain(ns),
    );
    const info = JSON.parse(
      node.exec([tools.ctr, '--namespace', 'k8s.io', 'containers', 'info', id]),
    );
    const sandboxId = info.Spec.annotations['io.kubernetes.cri.sandbox-id'];
    expect(sandboxId).toMatch(/^[0-9a-f]{64}$/);
    const runsc = node.exec([
      tools.runsc,
      '--root',
      '/run/containerd/runsc/k8s.io',
      'list',
      '-quiet',
    ]);
    expect(runsc.split('\n')).toContain(sandboxId);

    const done = await finished(ns, job, 120_000);
    expect(done).toMatchObject({ type: 'Failed', reason: 'DeadlineExceeded' });
    await until(
      'the pod of the expired Job is gone',
      async () => ((await jobPods(ns, job)).length === 0 ? true : undefined),
      60_000,
      () => explain(ns),
    );
  });

  test('one that fills its scratch stops at exactly its size limit (memory-backed: a hard bound)', async () => {
    const { ns, job } = await sandbox('limit-scratch', {
      args: ['fill', '/tmp'],
      scratchSize: Size.mebibytes(64),
      activeDeadline: Duration.seconds(60),
    });
    const log = await until(
      'the fill reported where it stopped',
      async () => {
        const [pod] = await jobPods(ns, job);
        if (!pod) return undefined;
        const res = await admin.request(
          'GET',
          `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/log`,
        );
        const text = res.text;
        return /no space left on device/.test(text) ? text : undefined;
      },
      120_000,
      () => explain(ns),
    );
    expect(log).toContain(`wrote ${64 * 1024 * 1024} bytes, then:`);
  });

  test('a run that fails is run again `backoffLimit` times, then the Job fails', async () => {
    const { ns, job } = await sandbox('limit-retries', {
      args: ['sleep', 'not-a-number'], // the probe exits 2
      backoffLimit: 1,
    });
    const done = await finished(ns, job);
    expect(done).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded' });
    const pods = await jobPods(ns, job);
    expect(pods).toHaveLength(2);
    for (const pod of pods)
      expect(pod.status.containerStatuses[0].state.terminated.exitCode).toBe(2);
  });

  test('without retries, the first failure fails the Job at once (the pod failure policy)', async () => {
    const { ns, job } = await sandbox('limit-no-retries', { args: ['sleep', 'not-a-number'] });
    const done = await finished(ns, job);
    expect(done).toMatchObject({ type: 'Failed', reason: 'PodFailurePolicy' });
    expect(await jobPods(ns, job)).toHaveLength(1);
  });

  test('TTL removes the finished Job', async () => {
    // The constructs keep a Job at least 15 minutes (the janitor must see a failed one); what this
    // checks is the cluster's TTL controller, so the Job is applied with a 3 s TTL instead.
    const { ns, job } = await sandbox(
      'limit-ttl',
      { args: ['sleep', '1'] },
      () => true,
      (o) => (o.kind === 'Job' ? { ...o, spec: { ...o.spec, ttlSecondsAfterFinished: 3 } } : o),
    );
    await until(
      'the finished Job is deleted by its TTL',
      async () =>
        (await admin.request('GET', `/apis/batch/v1/namespaces/${ns}/jobs/${job}`)).status === 404
          ? true
          : undefined,
      120_000,
      () => explain(ns),
    );
  });
});

test("the stand-ins the probes rely on answer in the node's world", () => {
  expect(Object.values(STANDINS)).toContain('tcp:169.254.169.254:80');
  const log = fs.readFileSync(path.join(stateDir, 'node', 'logs', 'standins.log'), 'utf8');
  for (const spec of Object.values(STANDINS)) expect(log).toContain(`serving ${spec}`);
});
