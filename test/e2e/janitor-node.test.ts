/**
 * The sandbox janitor, run for real: its own image (constructs/shared/janitor-image.ts, built by
 * scripts/build-images.sh and imported into the local node's containerd), its CronJob's Job
 * template as `kubectl create job --from=cronjob/…` would instantiate it, its identity, RBAC and
 * admission policy, on the local control plane plus worker node (cli/local/node.ts). Sandboxes made
 * by EvaluationSandbox in every state the janitor tells apart; one run; then what it deleted,
 * marked and kept.
 *
 * Needs root (the node) and the node tools (scripts/build-*.sh; about 15 minutes once).
 */
import * as kplus from 'cdk8s-plus-28';
import { Chart, Duration, Size, Testing } from 'cdk8s';
import { ControlPlane } from '../../cli/local/control-plane';
import { KubeClient, KubeObject } from '../../cli/local/kube-client';
import { LocalNode, NODE_NAME, NodeTools } from '../../cli/local/node';
import { EvaluationSandbox } from '../../constructs/k8s/evaluation-sandbox';
import { SandboxJanitor } from '../../constructs/k8s/sandbox-janitor';
import { JANITOR_IMAGE, JANITOR_IMAGE_DIGEST } from '../../constructs/shared/janitor-image';
import {
  SANDBOX_EXPIRES_AT_ANNOTATION,
  SANDBOX_FAILED_AT_ANNOTATION,
  SANDBOX_NODE_TAINT_KEY,
  SANDBOX_OUTCOME_LABEL,
} from '../../constructs/shared/labels';
import { JANITOR_NAME, PLATFORM_NAMESPACE } from '../../constructs/shared/platform';
import { PROBE_IMAGE } from '../../constructs/shared/probe-image';
import {
  NodeHelpers,
  nodeHelpers,
  startLocalNode,
  StartedNode,
  stopLocalNode,
} from '../support/node';

jest.setTimeout(300_000);

let started: StartedNode | undefined;
let plane: ControlPlane;
let node: LocalNode;
let admin: KubeClient;
let tools: NodeTools;

// Bound to the started node in beforeAll.
let applyAll: NodeHelpers['applyAll'];
let get: NodeHelpers['get'];
let until: NodeHelpers['until'];
let jobPods: NodeHelpers['jobPods'];
let explain: NodeHelpers['explain'];
let finished: NodeHelpers['finished'];

/** A sandbox made by our constructs, its evaluation running the probe image with `args`. */
function sandbox(
  id: string,
  args: string[],
  options: Partial<ConstructorParameters<typeof EvaluationSandbox>[2]> = {},
): { chart: Chart; sandbox: EvaluationSandbox } {
  const chart = new Chart(Testing.app(), id, { disableResourceNameHashes: true });
  const s = new EvaluationSandbox(chart, 'Sandbox', {
    evaluationId: id,
    image: PROBE_IMAGE,
    // Small: four fit on the 2-CPU node beside the janitor.
    cpu: kplus.Cpu.millis(200),
    memory: Size.mebibytes(128),
    scratchSize: Size.mebibytes(16),
    args,
    ...options,
  });
  return { chart, sandbox: s };
}

const GRACE_SECONDS = 60;
const NS = {
  complete: 'sbx-jn-complete',
  failed: 'sbx-jn-failed',
  running: 'sbx-jn-running',
  expired: 'sbx-jn-expired',
  gone: 'sbx-jn-gone',
};

/** The janitor as the test synthesizes it: the image from the constant, a one-minute grace period. */
let janitor: SandboxJanitor;
let janitorObjects: KubeObject[];
/** The run: its Job, its pod (after it finished) and its log. */
let run: { job: string; pod: KubeObject; log: string };
let runningJob: string;

beforeAll(async () => {
  started = await startLocalNode('eval-sandbox-janitor-node');
  ({ applyAll, get, until, jobPods, explain, finished } = nodeHelpers(started));
  ({ plane, node, tools } = started);
  admin = plane.admin();

  // 1. Sandboxes in each state. Created first: the one without a Job must outlive the grace period.
  const complete = sandbox('jn-complete', ['sleep', '1']);
  const failed = sandbox('jn-failed', ['sleep', 'not-a-number']); // the probe exits 2
  const running = sandbox('jn-running', ['sleep', '600']);
  const expired = sandbox('jn-expired', ['sleep', '600']);
  expired.sandbox.namespace.resource.metadata.addAnnotation(
    SANDBOX_EXPIRES_AT_ANNOTATION,
    '2000-01-01T00:00:00Z',
  );
  for (const s of [complete, failed, running, expired]) await applyAll(Testing.synth(s.chart));
  // Everything but its Job, as after the Job's TTL removed it (or when it never came).
  const gone = sandbox('jn-gone', ['sleep', '1']);
  await applyAll(Testing.synth(gone.chart).filter((o) => o.kind !== 'Job'));
  runningJob = running.sandbox.job.name;

  // 2. The janitor, as a platform would apply it (the platform chart's, with a shorter grace period).
  const chart = new Chart(Testing.app(), 'janitor', { disableResourceNameHashes: true });
  // The node isolates a pod that no policy selects for egress (strict mode, as the VPC CNI's): the
  // construct's own NetworkPolicy must let the janitor reach the API server, here by the
  // `kubernetes` Service and by the endpoint behind it.
  const api = new URL(plane.server);
  janitor = new SandboxJanitor(chart, 'Janitor', {
    image: JANITOR_IMAGE,
    gracePeriod: Duration.seconds(GRACE_SECONDS),
    apiServerEgress: {
      cidrs: ['10.96.0.1/32', `${api.hostname}/32`],
      ports: [443, Number(api.port)],
    },
  });
  janitorObjects = Testing.synth(chart);
  await applyAll(janitorObjects);

  // 3. Wait for each state: finished, failed, running; the namespace without a Job past the grace
  // period.
  expect(await finished(NS.complete, complete.sandbox.job.name)).toMatchObject({
    type: 'Complete',
  });
  expect(await finished(NS.failed, failed.sandbox.job.name)).toMatchObject({ type: 'Failed' });
  for (const s of [running, expired]) {
    const ns = s.sandbox.namespace.name;
    await until(
      `${ns}'s evaluation runs`,
      async () => {
        const [pod] = await jobPods(ns, s.sandbox.job.name);
        return pod?.status.containerStatuses?.[0]?.state?.running ? true : undefined;
      },
      180_000,
      () => explain(ns),
    );
  }
  const created = Date.parse(
    (await get(`/api/v1/namespaces/${NS.gone}`)).metadata.creationTimestamp,
  );
  const wait = created + (GRACE_SECONDS + 2) * 1000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));

  // 4. One run: a Job from the CronJob's template, as `kubectl create job --from=cronjob/…` makes
  // it (the local node runs no CronJob controller). One change, for this node: a toleration (the
  // only node is tainted like the gVisor pool; on EKS the janitor runs on the system pool).
  const cron = await get(
    `/apis/batch/v1/namespaces/${PLATFORM_NAMESPACE}/cronjobs/${JANITOR_NAME}`,
  );
  const template = structuredClone(cron.spec.jobTemplate);
  const podSpec = template.spec.template.spec;
  podSpec.tolerations = [{ key: SANDBOX_NODE_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' }];
  const job = `${JANITOR_NAME}-manual`;
  const res = await admin.create({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: job,
      namespace: PLATFORM_NAMESPACE,
      labels: template.metadata?.labels,
      annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: cron.metadata.name,
          uid: cron.metadata.uid,
          controller: true,
        },
      ],
    },
    spec: template.spec,
  });
  if (res.status !== 201) throw new Error(`create Job ${job}: ${res.status} ${res.body.message}`);
  const done = await finished(PLATFORM_NAMESPACE, job);
  const [pod] = await jobPods(PLATFORM_NAMESPACE, job);
  const log = (
    await admin.request(
      'GET',
      `/api/v1/namespaces/${PLATFORM_NAMESPACE}/pods/${pod.metadata.name}/log`,
    )
  ).text;
  if (done.type !== 'Complete')
    throw new Error(
      `the janitor's Job failed: ${JSON.stringify(done)}\n--- its log ---\n${log}\n${await explain(PLATFORM_NAMESPACE)}`,
    );
  run = { job, pod, log };
}, 45 * 60_000);

afterAll(() => stopLocalNode(started), 120_000);

async function namespace(name: string): Promise<{ status: number; body: KubeObject }> {
  return admin.request('GET', `/api/v1/namespaces/${name}`);
}

describe('one janitor run on the node, with its own image', () => {
  test('it decided for each sandbox, and for nothing else; kubectl confirmed each call', () => {
    expect(run.log.trim().split('\n').sort()).toEqual(
      [
        `delete ${NS.complete} evaluation complete`,
        `delete ${NS.expired} expired`,
        `delete ${NS.gone} no evaluation job after grace period`,
        `keep ${NS.running} evaluation running`,
        `mark-failed ${NS.failed} evaluation failed`,
        // kubectl's own answers (its stderr, in the same log): the API server accepted each call.
        `namespace "${NS.complete}" deleted`,
        `namespace "${NS.expired}" deleted`,
        `namespace "${NS.gone}" deleted`,
        `namespace/${NS.failed} patched`,
      ].sort(),
    );
  });

  test.each([
    ['completed', NS.complete],
    ['expired (while its evaluation runs)', NS.expired],
    ['without an evaluation Job past the grace period', NS.gone],
  ])('a sandbox %s is deleted (gone or terminating)', async (_what, ns) => {
    const res = await namespace(ns);
    expect([ns, res.status === 404 || res.body.metadata?.deletionTimestamp !== undefined]).toEqual([
      ns,
      true,
    ]);
  });

  test('a sandbox whose evaluation failed is kept, labelled failed, with the time it was marked', async () => {
    const res = await namespace(NS.failed);
    expect(res.status).toBe(200);
    const { metadata } = res.body;
    expect(metadata.deletionTimestamp).toBeUndefined();
    expect(metadata.labels[SANDBOX_OUTCOME_LABEL]).toBe('failed');
    const failedAt = metadata.annotations[SANDBOX_FAILED_AT_ANNOTATION];
    expect(failedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Written by this run: between its container's start and end (second resolution).
    const { startedAt, finishedAt } = run.pod.status.containerStatuses[0].state.terminated;
    expect(Date.parse(failedAt)).toBeGreaterThanOrEqual(Date.parse(startedAt) - 1000);
    expect(Date.parse(failedAt)).toBeLessThanOrEqual(Date.parse(finishedAt) + 1000);
  });

  test('a sandbox whose evaluation runs is kept, and its evaluation still runs', async () => {
    const res = await namespace(NS.running);
    expect(res.status).toBe(200);
    expect(res.body.metadata.deletionTimestamp).toBeUndefined();
    expect(res.body.metadata.labels[SANDBOX_OUTCOME_LABEL]).toBeUndefined();
    const [pod] = await jobPods(NS.running, runningJob);
    expect(pod.status.containerStatuses[0].state.running).toBeDefined();
  });

  test('the platform and system namespaces are untouched', async () => {
    for (const ns of [PLATFORM_NAMESPACE, 'kube-system', 'default']) {
      const res = await namespace(ns);
      expect([ns, res.status, res.body.metadata.deletionTimestamp]).toEqual([ns, 200, undefined]);
    }
  });
});

describe("the janitor's pod, as the node ran it", () => {
  /** The container of the CronJob the construct synthesized. */
  const synthesized = () =>
    janitorObjects.find((o) => o.kind === 'CronJob')?.spec.jobTemplate.spec.template.spec;

  test('ran the image by its digest, on the node, and exited 0', () => {
    const { spec, status } = run.pod;
    expect(spec.nodeName).toBe(NODE_NAME);
    expect(spec.containers[0].image).toBe(JANITOR_IMAGE);
    expect(janitor.image).toBe(JANITOR_IMAGE);
    expect(String(status.containerStatuses[0].imageID)).toMatch(
      new RegExp(`@${JANITOR_IMAGE_DIGEST}$`),
    );
    expect(status.containerStatuses[0].state.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
  });

  test('with the security context, identity and runtime class the construct sets', () => {
    const want = synthesized();
    const { spec } = run.pod;
    expect(spec.securityContext).toEqual(want.securityContext);
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.containers[0].securityContext).toEqual(want.containers[0].securityContext);
    expect(spec.containers[0].resources).toEqual(want.containers[0].resources);
    expect(spec.serviceAccountName).toBe(JANITOR_NAME);
    expect(spec.automountServiceAccountToken).toBe(false);
    // The construct names no RuntimeClass: the janitor is platform code, not a sandbox.
    expect(want.runtimeClassName).toBeUndefined();
    expect(spec.runtimeClassName).toBeUndefined();
  });

  test('containerd ran it under runc as 65532, read-only, without capabilities, under seccomp', () => {
    const id = String(run.pod.status.containerStatuses[0].containerID).replace('containerd://', '');
    const info = JSON.parse(
      node.exec([tools.ctr, '--namespace', 'k8s.io', 'containers', 'info', id]),
    );
    expect(info.Runtime.Name).toBe('io.containerd.runc.v2');
    const oci = info.Spec;
    expect(oci.process.user).toMatchObject({ uid: 65532, gid: 65532 });
    expect(oci.process.noNewPrivileges).toBe(true);
    for (const set of ['bounding', 'effective', 'permitted'])
      expect([set, oci.process.capabilities?.[set] ?? []]).toEqual([set, []]);
    expect(oci.root.readonly).toBe(true);
    expect(oci.linux.seccomp.defaultAction).toBe('SCMP_ACT_ERRNO');
  });
});
