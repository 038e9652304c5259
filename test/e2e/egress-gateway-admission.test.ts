/**
 * A sandbox with names, rendered by the constructs, on a real kube-apiserver with the admission pack:
 * every object applies (the fixed ClusterIP included), a second gateway on the same address is
 * refused by the API server, and SBX-R19 keeps the internet to the platform's gateway policy.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { EvaluationSandbox } from '../../constructs/k8s/evaluation-sandbox';
import { ControlPlane } from '../../cli/local/control-plane';
import { KubeClient, KubeObject } from '../../cli/local/kube-client';
import { IDENTITIES } from '../../policies/k8s/fixtures/catalogue';

const ROOT = path.resolve(__dirname, '../..');
const IMAGE = `registry.example.com/tasks/swe@sha256:${'a'.repeat(64)}`;
const GATEWAY_IMAGE = `registry.example.com/egress-gateway@sha256:${'b'.repeat(64)}`;
/** The test control plane's Service CIDR (cli/local/control-plane.ts). */
const SERVICE_CIDR = '10.96.0.0/16';

jest.setTimeout(120_000);

let plane: ControlPlane;
let stateDir: string | undefined;
let admin: KubeClient;

function render(evaluationId: string, extra: Record<string, unknown> = {}): KubeObject[] {
  const app = new App();
  const chart = new Chart(app, 'E', { disableResourceNameHashes: true });
  new EvaluationSandbox(chart, 'S', {
    evaluationId,
    image: IMAGE,
    egressDomains: ['pypi.org', '*.githubusercontent.com'],
    egressGatewayImage: GATEWAY_IMAGE,
    serviceCidr: SERVICE_CIDR,
    ...extra,
  });
  return parseAllDocuments(app.synthYaml())
    .map((d) => d.toJS() as KubeObject)
    .filter((o) => o !== null);
}

async function applyAll(objects: KubeObject[]): Promise<void> {
  for (const o of objects) {
    const res = await admin.apply(o);
    if (res.status >= 300)
      throw new Error(`apply ${o.kind}/${o.metadata.name}: ${res.status} ${res.body.message}`);
  }
}

beforeAll(async () => {
  const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'build-control-plane.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [etcd, apiserver, controllerManager] = out.trim().split('\n');
  plane = await ControlPlane.start({
    etcd,
    apiserver,
    controllerManager,
    stateDir: (stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-sandbox-gw-'))),
    users: { [IDENTITIES.attacker.username]: IDENTITIES.attacker.groups },
  });
  admin = plane.admin();
  const platform = parseAllDocuments(
    fs.readFileSync(path.join(ROOT, 'dist', 'platform.k8s.yaml'), 'utf8'),
  )
    .map((d) => d.toJS() as KubeObject)
    .filter((o) => o !== null);
  await applyAll(platform);
  await applyAll([
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'test-attacker-cluster-admin' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'cluster-admin',
      },
      subjects: [
        { kind: 'User', name: IDENTITIES.attacker.username, apiGroup: 'rbac.authorization.k8s.io' },
      ],
    },
  ]);
}, 30 * 60_000);

afterAll(async () => {
  await plane?.stop();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe('a sandbox with egress domains on a real API server', () => {
  const objects = render('gw-run-1');
  const service = objects.find((o) => o.kind === 'Service') as KubeObject;

  test('every object of the rendered sandbox applies as the platform, the Service at its fixed ClusterIP', async () => {
    await applyAll(objects);
    const got = await admin.request(
      'GET',
      `/api/v1/namespaces/sbx-gw-run-1/services/egress-gateway`,
    );
    expect(got.body.spec.clusterIP).toBe(service.spec.clusterIP);
    expect(got.body.spec.clusterIP).toMatch(/^10\.96\./);
    const job = objects.find((o) => o.kind === 'Job') as KubeObject;
    expect(
      job.spec.template.spec.containers[0].env.find((e: KubeObject) => e.name === 'HTTPS_PROXY')
        .value,
    ).toBe(`http://${service.spec.clusterIP}:3128`);
  });

  test('a second sandbox whose gateway has the same address: the API server refuses its Service', async () => {
    const other = render('gw-run-2', { egressGatewayAddress: service.spec.clusterIP });
    const before = other.filter((o) => o.kind !== 'Service');
    await applyAll(before.filter((o) => o.kind === 'Namespace'));
    const res = await admin.apply(other.find((o) => o.kind === 'Service') as KubeObject);
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/provided IP is already allocated/);
  });

  test('the platform cannot give the agent pods the internet; another identity cannot swap the gateway image', async () => {
    const internet = structuredClone(
      objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'egress-gateway'),
    ) as KubeObject;
    internet.metadata.name = 'agents-internet';
    internet.spec.podSelector = {};
    // Policies take effect as the API server loads them (slowly on a loaded machine): ask until
    // admission answers, for at most 60 s, so no answer comes from a half-loaded pack.
    let res = await admin.create(internet, { dryRun: true });
    for (const deadline = Date.now() + 60_000; res.status < 300 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 500));
      res = await admin.create(internet, { dryRun: true });
    }
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/\[SBX-R19-internet-egress-gateway-only\]/);

    const attacker = plane.client(IDENTITIES.attacker.username);
    const pod = (await admin.request('GET', '/api/v1/namespaces/sbx-gw-run-1/pods/egress-gateway'))
      .body;
    pod.spec.containers[0].image = `registry.example.com/attacker/tool@sha256:${'e'.repeat(64)}`;
    const swapped = await attacker.request(
      'PUT',
      '/api/v1/namespaces/sbx-gw-run-1/pods/egress-gateway?dryRun=All',
      pod,
    );
    expect(swapped.status).toBe(403);
    expect(swapped.body.message).toMatch(/\[SBX-R19-internet-egress-gateway-only\]/);
  });
});
