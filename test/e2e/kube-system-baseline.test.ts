/**
 * The kube-system NetworkPolicy baseline (constructs/k8s/kube-system-baseline.ts), run for real on
 * the local node (cli/local/node.ts): kube-router's NetworkPolicy controller in strict mode, as the
 * VPC CNI's agent runs with NETWORK_POLICY_ENFORCING_MODE=strict, and CoreDNS in kube-system. With a
 * default-deny alone in kube-system a restarted CoreDNS never becomes Ready and a sandbox cannot
 * resolve a name; with the baseline it becomes Ready and answers.
 *
 * A restarted CoreDNS gets a new address, which the node's start-up exemption for CoreDNS
 * (node.ts waitForDns) does not cover: from then on only the policies decide, as on EKS.
 *
 * Needs root (the node) and the node tools (scripts/build-*.sh; about 15 minutes once).
 */
import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { KubeClient, KubeObject } from '../../cli/local/kube-client';
import { STANDINS } from '../../cli/local/node';
import { SandboxConformanceProbe } from '../../constructs/k8s/conformance-probe';
import { EvaluationSandbox } from '../../constructs/k8s/evaluation-sandbox';
import { KubeSystemBaseline } from '../../constructs/k8s/kube-system-baseline';
import { PROBE_IMAGE } from '../../constructs/shared/probe-image';
import {
  NodeHelpers,
  nodeHelpers,
  startLocalNode,
  StartedNode,
  stopLocalNode,
} from '../support/node';

jest.setTimeout(300_000);

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

let started: StartedNode | undefined;
let admin: KubeClient;
let applyAll: NodeHelpers['applyAll'];
let get: NodeHelpers['get'];
let until: NodeHelpers['until'];
let jobPods: NodeHelpers['jobPods'];
let finished: NodeHelpers['finished'];
/** The baseline as this node needs it: its API server (Service and endpoint) and resolver stand-in. */
let baseline: KubeObject[];

const NAMES = {
  defaultDeny: 'eval-sandbox-kube-system-default-deny',
  coreDns: 'eval-sandbox-coredns',
  ebsCsiController: 'eval-sandbox-ebs-csi-controller',
  ebsCsiNode: 'eval-sandbox-ebs-csi-node',
};
const COREDNS = '/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-dns';

beforeAll(async () => {
  started = await startLocalNode('eval-sandbox-kube-system');
  ({ applyAll, get, until, jobPods, finished } = nodeHelpers(started));
  admin = started.plane.admin();
  const api = new URL(started.plane.server);
  const chart = new Chart(Testing.app(), 'kube-system', { disableResourceNameHashes: true });
  new KubeSystemBaseline(chart, 'KubeSystem', {
    // Pods reach the API server by the `kubernetes` Service (10.96.0.1:443); kube-router judges
    // after kube-proxy translated it to the endpoint, the host end of the node's link.
    apiServerCidrs: ['10.96.0.1/32', `${api.hostname}/32`],
    apiServerPorts: [443, Number(api.port)],
    // The node's outside resolver stand-in (the local CoreDNS forwards nowhere: see below).
    dnsResolverCidrs: [`${STANDINS.outsideDns.split(':')[1]}/32`],
  });
  baseline = Testing.synth(chart);
  // Start from no kube-system policy at all, whatever the platform chart applied.
  for (const name of Object.values(NAMES)) await removePolicy(name);
}, 45 * 60_000);

afterAll(() => stopLocalNode(started), 120_000);

async function removePolicy(name: string): Promise<void> {
  const res = await admin.request(
    'DELETE',
    `/apis/networking.k8s.io/v1/namespaces/kube-system/networkpolicies/${name}`,
  );
  if (res.status !== 200 && res.status !== 404)
    throw new Error(`delete NetworkPolicy ${name}: ${res.status} ${res.body.message}`);
}

/** Deletes the CoreDNS pods and waits for the replacement to have an address; returns its name. */
async function restartCoreDns(): Promise<string> {
  const before = ((await get(COREDNS)).items as KubeObject[]).map((p) => p.metadata.uid);
  const res = await admin.request('DELETE', COREDNS);
  if (res.status !== 200) throw new Error(`delete CoreDNS pods: ${res.status} ${res.body.message}`);
  return until(
    'a new CoreDNS pod has an address',
    async () => {
      const pods = (await get(COREDNS)).items as KubeObject[];
      const fresh = pods.find(
        (p) => !before.includes(p.metadata.uid) && !p.metadata.deletionTimestamp,
      );
      return fresh?.status?.podIP ? (fresh.metadata.name as string) : undefined;
    },
    60_000,
  );
}

async function coreDnsReady(name: string): Promise<boolean> {
  const pod = await get(`/api/v1/namespaces/kube-system/pods/${name}`);
  return (pod.status?.conditions ?? []).some(
    (c: KubeObject) => c.type === 'Ready' && c.status === 'True',
  );
}

/** A sandbox made by our constructs runs the probe; returns its `dns:resolve` check. */
async function resolveFromSandbox(id: string): Promise<Check> {
  const chart = new Chart(Testing.app(), id, { disableResourceNameHashes: true });
  const s = new EvaluationSandbox(chart, 'Sandbox', {
    evaluationId: id,
    image: PROBE_IMAGE,
    // Sandboxes have no DNS unless they opt in; this one needs it to show CoreDNS answering.
    allowClusterDns: true,
    cpu: kplus.Cpu.millis(250),
    memory: Size.mebibytes(256),
    scratchSize: Size.mebibytes(64),
    args: ['check'],
    env: SandboxConformanceProbe.environment({
      cpu: kplus.Cpu.millis(250),
      memory: Size.mebibytes(256),
      scratchPath: '/tmp',
      timeout: Duration.seconds(5),
    }),
  });
  await applyAll(Testing.synth(chart));
  await finished(s.namespace.name, s.job.name, 240_000);
  const [pod] = await jobPods(s.namespace.name, s.job.name);
  const report = JSON.parse(pod.status.containerStatuses[0].state.terminated.message) as {
    checks: Check[];
  };
  const found = report.checks.find((c) => c.name === 'dns:resolve');
  if (!found) throw new Error(`no dns:resolve check: ${JSON.stringify(report)}`);
  return found;
}

describe('kube-system under strict mode', () => {
  test('a default-deny alone starves CoreDNS: a restarted pod never becomes Ready, a sandbox cannot resolve', async () => {
    await applyAll(baseline.filter((o) => o.metadata.name === NAMES.defaultDeny));
    const pod = await restartCoreDns();
    // Ready needs the kubernetes plugin's first sync with the API server; it takes ≈ 2 s when allowed.
    await new Promise((r) => setTimeout(r, 30_000));
    expect(await coreDnsReady(pod)).toBe(false);
    expect(await resolveFromSandbox('ksb-deny')).toMatchObject({ ok: false });
  });

  test('with the baseline, a restarted CoreDNS becomes Ready and answers a sandbox', async () => {
    await applyAll(baseline);
    const pod = await restartCoreDns();
    await until(
      'CoreDNS Ready',
      async () => ((await coreDnsReady(pod)) ? true : undefined),
      90_000,
    );
    expect(await resolveFromSandbox('ksb-baseline')).toMatchObject({ ok: true });
  });
});
