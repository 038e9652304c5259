/**
 * The egress gateway, run for real (ADR 0006, issue 14): the project's own gateway image
 * (constructs/shared/egress-gateway-image.ts, Debian 12's squid, built by scripts/build-images.sh and
 * imported into the local node's containerd) as EvaluationSandbox deploys it with `egressDomains`,
 * under gVisor, on the local control plane plus worker node (cli/local/node.ts). The evaluation is
 * the conformance probe, from inside the sandbox:
 *
 * - an allowed name reaches "the internet" through the gateway (CONNECT, and the stand-in's own
 *   greeting comes back through the tunnel);
 * - a name not on the list is refused by the gateway with 403, even though it resolves;
 * - the stand-in's address, dialled directly, is unreachable (NetworkPolicy);
 * - DNS gets no answer;
 * - the gateway logs each request with the sandbox's labels, decision and reason.
 *
 * "The internet" is 203.0.113.10 (a documentation address, which the gateway does not refuse as
 * internal), a `probe serve` stand-in in the node's world namespace; names resolve there through
 * the cluster's CoreDNS, given a `hosts` entry for them (the local cluster has no upstream).
 *
 * Needs root (the node) and the node tools (scripts/build-*.sh; about 15 minutes once).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as kplus from 'cdk8s-plus-28';
import { Chart, Size, Testing } from 'cdk8s';
import { ControlPlane } from '../../cli/local/control-plane';
import { KubeClient, KubeObject } from '../../cli/local/kube-client';
import { CLUSTER_DNS_IP, LocalNode, NODE_NAME, NodeTools } from '../../cli/local/node';
import { EvaluationSandbox } from '../../constructs/k8s/evaluation-sandbox';
import { EGRESS_GATEWAY_NAME } from '../../constructs/k8s/egress-gateway';
import {
  EGRESS_GATEWAY_IMAGE,
  EGRESS_GATEWAY_IMAGE_DIGEST,
} from '../../constructs/shared/egress-gateway-image';
import { PROBE_IMAGE } from '../../constructs/shared/probe-image';
import {
  NodeHelpers,
  nodeHelpers,
  startLocalNode,
  StartedNode,
  stopLocalNode,
} from '../support/node';
import { ROOT } from '../support/tools';

jest.setTimeout(300_000);

/** "The internet": a documentation address, public as far as the gateway is concerned. */
const INTERNET = '203.0.113.10';
const ALLOWED = 'pypi.org';
/** Resolves to the stand-in too, but is not on the list. */
const UNLISTED = 'files.pythonhosted.org';
/** Not on the list, and does not resolve: refused as text, never looked up. */
const UNKNOWN = 'example.org';
const ID = 'egress-node';

interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}
interface Report {
  readonly ok: boolean;
  readonly checks: Check[];
}

let started: StartedNode | undefined;
let plane: ControlPlane;
let node: LocalNode;
let admin: KubeClient;
let tools: NodeTools;
let applyAll: NodeHelpers['applyAll'];
let get: NodeHelpers['get'];
let until: NodeHelpers['until'];
let jobPods: NodeHelpers['jobPods'];
let explain: NodeHelpers['explain'];
let finished: NodeHelpers['finished'];

let sandbox: EvaluationSandbox;
let ns: string;
/** The probe's report and its pod. */
let report: Report;
let probePod: KubeObject;
/** The gateway pod after the probe ran, and its log. */
let gatewayPod: KubeObject;
let gatewayLog: string;

/** Runs `args` in the node's world network namespace (the stand-ins' side of its default route). */
function inWorld(args: string[]): string {
  // The world is the `unshare --net sleep infinity` of local-node-init.sh: the one process of
  // the node whose network namespace is neither the node's nor a pod's sandbox.
  const pid = node
    .exec([
      'sh',
      '-c',
      'for p in /proc/[0-9]*; do [ "$(cat $p/cmdline 2>/dev/null | tr "\\0" " ")" = "sleep infinity " ] && ' +
        '[ "$(readlink $p/ns/net)" != "$(readlink /proc/1/ns/net)" ] && echo ${p#/proc/}; done; true',
    ])
    .trim()
    .split('\n')[0];
  if (!pid) throw new Error("the node's world namespace was not found");
  return node.exec(['nsenter', '--target', pid, '--net', '--', ...args]);
}

/** The gateway image: built (cached), imported into the node's containerd and named by digest. */
function importGatewayImage(): void {
  const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'build-images.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = out.split('\n').find((l) => l.startsWith('gateway-image '));
  if (!line) throw new Error(`build-images.sh printed no gateway-image line:\n${out}`);
  const [, archive, ref] = line.split(' ');
  expect(ref).toBe(EGRESS_GATEWAY_IMAGE);
  const ctr = [tools.ctr, '--namespace', 'k8s.io'];
  node.exec([...ctr, 'images', 'import', '--all-platforms', archive]);
  const listing = node.exec([...ctr, 'images', 'ls']);
  const repo = ref.split('@')[0];
  const row = listing
    .split('\n')
    .map((l) => l.split(/\s+/))
    .find((f) => f[0].startsWith(`${repo}:`));
  if (!row) throw new Error(`${archive} did not import as ${repo}:<tag>:\n${listing}`);
  expect(row[2]).toBe(EGRESS_GATEWAY_IMAGE_DIGEST);
  node.exec([...ctr, 'images', 'tag', '--force', row[0], ref]);
}

/**
 * CoreDNS answers `names` with INTERNET (a `hosts` block; the local cluster has no upstream). It
 * reads its Corefile once, so its pod is replaced; the new pod's own connections (to the API
 * server) are exempted from the node's strict mode as LocalNode does for the first one.
 */
async function resolveThroughCoreDns(names: string[]): Promise<void> {
  const cm = await get('/api/v1/namespaces/kube-system/configmaps/coredns');
  const corefile = String(cm.data.Corefile).replace(
    '    ready :8181\n',
    `    ready :8181\n    hosts {\n${names.map((n) => `        ${INTERNET} ${n}\n`).join('')}        fallthrough\n    }\n`,
  );
  await applyAll([
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'coredns', namespace: 'kube-system' },
      data: { Corefile: corefile },
    },
  ]);
  const pods = '/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-dns';
  const old = ((await get(pods)).items as KubeObject[]).map((p) => p.metadata.name as string);
  for (const name of old) {
    await admin.request(
      'DELETE',
      `/api/v1/namespaces/kube-system/pods/${name}?gracePeriodSeconds=0`,
    );
  }
  const exempted = new Set<string>();
  await until(
    'the new CoreDNS pod is ready',
    async () => {
      const items = ((await get(pods)).items as KubeObject[]).filter(
        (p) => !old.includes(p.metadata.name) && p.metadata.deletionTimestamp === undefined,
      );
      for (const p of items) {
        const ip = p.status?.podIP as string | undefined;
        if (ip && !exempted.has(ip)) {
          for (const chain of [
            ['-t', 'mangle', '-I', 'POSTROUTING'],
            ['-I', 'INPUT'],
          ]) {
            node.exec([
              'iptables',
              ...chain,
              '-s',
              ip,
              '-m',
              'comment',
              '--comment',
              'eval-sandbox strict mode: cluster DNS is not a sandbox',
              '-j',
              'RETURN',
            ]);
          }
          exempted.add(ip);
        }
      }
      const ready = items.some((p) =>
        (p.status?.conditions ?? []).some(
          (c: KubeObject) => c.type === 'Ready' && c.status === 'True',
        ),
      );
      return ready ? true : undefined;
    },
    180_000,
    () => explain('kube-system'),
  );
}

function check(name: string): Check {
  const c = report.checks.find((x) => x.name === name);
  if (!c) throw new Error(`the report has no check '${name}': ${JSON.stringify(report)}`);
  return c;
}

/** The gateway's access-log lines (`key=value` fields), by host. */
function logLines(host: string): Record<string, string>[] {
  return gatewayLog
    .split('\n')
    .filter((l) => l.startsWith('time='))
    .map((l) => Object.fromEntries(l.split(' ').map((f) => f.split(/=(.*)/s).slice(0, 2))))
    .filter((f) => f.host === host);
}

beforeAll(async () => {
  started = await startLocalNode('eval-sandbox-egress-node');
  ({ applyAll, get, until, jobPods, explain, finished } = nodeHelpers(started));
  ({ plane, node, tools } = started);
  admin = plane.admin();

  // 1. "The internet", the gateway image, and names for the gateway to resolve.
  inWorld(['ip', 'addr', 'add', `${INTERNET}/32`, 'dev', 'lo']);
  inWorld([
    'sh',
    '-c',
    `"$0" serve tcp:${INTERNET}:443 >/dev/null 2>&1 </dev/null &`,
    tools['probe-binary'],
  ]);
  importGatewayImage();
  await resolveThroughCoreDns([ALLOWED, UNLISTED]);

  // 2. The sandbox with its gateway; the evaluation (the probe) once the gateway is ready, so what
  // must be refused is refused by a running gateway, not by one still starting.
  const chart = new Chart(Testing.app(), ID, { disableResourceNameHashes: true });
  sandbox = new EvaluationSandbox(chart, 'Sandbox', {
    evaluationId: ID,
    image: PROBE_IMAGE,
    cpu: kplus.Cpu.millis(250),
    memory: Size.mebibytes(256),
    scratchSize: Size.mebibytes(16),
    egressDomains: [ALLOWED],
    egressGatewayImage: EGRESS_GATEWAY_IMAGE,
    serviceCidr: '10.96.0.0/16', // the local control plane's
    env: {
      PROBE_BLOCKED: `${INTERNET}:443,169.254.169.254:80`,
      PROBE_DNS: 'blocked',
      PROBE_DNS_NAME: ALLOWED,
      PROBE_CLUSTER_DNS: CLUSTER_DNS_IP,
      PROBE_PROXY_ALLOWED: `${ALLOWED}:443`,
      PROBE_PROXY_DENIED: `${UNLISTED}:443,${UNKNOWN}:443`,
      PROBE_SETTLE_MS: '30000',
      PROBE_TIMEOUT_MS: '3000',
    },
  });
  ns = sandbox.namespace.name;
  const objects = Testing.synth(chart);
  await applyAll(objects.filter((o) => o.kind !== 'Job'));
  await until(
    'the egress gateway is ready',
    async () => {
      const pod = await get(`/api/v1/namespaces/${ns}/pods/${EGRESS_GATEWAY_NAME}`).catch(
        () => undefined,
      );
      const ready = (pod?.status?.conditions ?? []).some(
        (c: KubeObject) => c.type === 'Ready' && c.status === 'True',
      );
      return ready ? pod : undefined;
    },
    240_000,
    async () =>
      `${await explain(ns)}\n--- gateway log ---\n${
        (await admin.request('GET', `/api/v1/namespaces/${ns}/pods/${EGRESS_GATEWAY_NAME}/log`))
          .text
      }`,
  );
  await applyAll(objects.filter((o) => o.kind === 'Job'));
  await finished(ns, sandbox.job.name, 240_000);
  [probePod] = await jobPods(ns, sandbox.job.name);
  const probeLog = (
    await admin.request('GET', `/api/v1/namespaces/${ns}/pods/${probePod.metadata.name}/log`)
  ).text;
  report = JSON.parse(probeLog.trim().split('\n').pop() as string) as Report;
  gatewayPod = await get(`/api/v1/namespaces/${ns}/pods/${EGRESS_GATEWAY_NAME}`);
  gatewayLog = (
    await admin.request('GET', `/api/v1/namespaces/${ns}/pods/${EGRESS_GATEWAY_NAME}/log`)
  ).text;
}, 45 * 60_000);

afterAll(() => stopLocalNode(started), 120_000);

describe('the gateway pod, as the node ran it', () => {
  test('ran the reproducible image by its digest, under gVisor (runsc), as 65532, read-only', () => {
    expect(gatewayPod.spec.nodeName).toBe(NODE_NAME);
    expect(gatewayPod.spec.containers[0].image).toBe(EGRESS_GATEWAY_IMAGE);
    const status = gatewayPod.status.containerStatuses[0];
    expect(String(status.imageID)).toMatch(new RegExp(`@${EGRESS_GATEWAY_IMAGE_DIGEST}$`));
    expect(status.state.running).toBeDefined();
    expect(status.restartCount).toBe(0);
    const id = String(status.containerID).replace('containerd://', '');
    const info = JSON.parse(
      node.exec([tools.ctr, '--namespace', 'k8s.io', 'containers', 'info', id]),
    );
    expect(info.Runtime.Name).toBe('io.containerd.runsc.v1');
    expect(info.Spec.process.user).toMatchObject({ uid: 65532, gid: 65532 });
    expect(info.Spec.root.readonly).toBe(true);
    for (const set of ['bounding', 'effective', 'permitted'])
      expect([set, info.Spec.process.capabilities?.[set] ?? []]).toEqual([set, []]);
  });
});

describe('from inside the sandbox (the probe, under gVisor)', () => {
  test('the probe ran in the sandbox under gVisor and every check passed', () => {
    expect(check('gvisor').ok).toBe(true);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(probePod.status.containerStatuses[0].state.terminated.exitCode).toBe(0);
    expect(probePod.spec.containers[0].env).toEqual(
      expect.arrayContaining([{ name: 'HTTPS_PROXY', value: sandbox.egressGateway?.proxyUrl }]),
    );
  });

  test('(a) the allowed name is reached through the gateway: the stand-in answers through the tunnel', () => {
    expect(check(`proxy-allowed:${ALLOWED}:443`)).toMatchObject({
      ok: true,
      detail: expect.stringContaining(`eval-sandbox stand-in ${INTERNET}:443`),
    });
    expect(check(`proxy-allowed:${ALLOWED}:443`).detail).toContain('200');
  });

  test('(b) names not on the list are refused by the gateway with 403, whether they resolve or not', () => {
    for (const name of [UNLISTED, UNKNOWN])
      expect(check(`proxy-denied:${name}:443`)).toMatchObject({
        ok: true,
        detail: expect.stringContaining('403'),
      });
  });

  test("(c) the stand-in's address, dialled directly, is unreachable (and instance metadata too)", () => {
    expect(check(`blocked:${INTERNET}:443`).ok).toBe(true);
    expect(check('blocked:169.254.169.254:80').ok).toBe(true);
  });

  test('(d) a DNS lookup from the pod gets no answer, even for the allowed name', () => {
    expect(check('dns:blocked')).toMatchObject({
      ok: true,
      detail: expect.stringContaining(`no answer for ${ALLOWED}`),
    });
  });
});

describe("the gateway's log", () => {
  test('(e) one line per request with the sandbox labels, the decision and the reason', () => {
    const labels = sandbox.egressGateway?.squidConfig.match(/eval-sandbox\.io\/evaluation-id=\S+/);
    expect(labels?.[0]).toBe(`eval-sandbox.io/evaluation-id=${ID}`);
    const allowed = logLines(ALLOWED);
    // The probe's retries while the gateway's policies settle may add lines; the last one counts.
    expect(allowed.length).toBeGreaterThanOrEqual(1);
    expect(allowed[allowed.length - 1]).toMatchObject({
      'eval-sandbox.io/evaluation-id': ID,
      decision: 'allow',
      reason: '-',
      method: 'CONNECT',
      port: '443',
      status: '200',
      server: INTERNET,
    });
    for (const host of [UNLISTED, UNKNOWN]) {
      expect([host, logLines(host)]).toEqual([
        host,
        [
          expect.objectContaining({
            'eval-sandbox.io/evaluation-id': ID,
            decision: 'deny',
            reason: 'name-not-allowed',
            status: '403',
          }),
        ],
      ]);
    }
  });
});
