/**
 * Karpenter's own CRDs (NodePool, NodeClaim, EC2NodeClass of the pinned release, fetched from the Go
 * module proxy by scripts/fetch-karpenter-crds.sh) on a real kube-apiserver judge what
 * KarpenterGvisorPool synthesizes: created with strict field validation, so an unknown field, a
 * value outside an enum or a broken CEL rule is refused, as it would be on EKS.
 *
 * What cannot be checked here: the Karpenter controller acting on them (resolving the AMI alias,
 * launching a node, merging its NodeConfig into the user data, interruption handling).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ControlPlane } from '../../cli/local/control-plane';
import { KubeClient, KubeObject } from '../../cli/local/kube-client';
import { KarpenterGvisorPool } from '../../constructs/k8s/karpenter-gvisor-pool';
import { newChart, only, synth } from '../support/k8s';
import { ROOT } from '../support/tools';

jest.setTimeout(120_000);

let plane: ControlPlane;
let admin: KubeClient;
let crds: Record<string, string>;

function synthesized(): { nodePool: KubeObject; nodeClass: KubeObject } {
  const chart = newChart();
  new KarpenterGvisorPool(chart, 'Pool', {
    clusterName: 'eval-sandbox-dev',
    nodeRole: 'eval-sandbox-dev-karpenter-node',
    volumeKmsKeyArn: 'arn:aws:kms:eu-west-2:123456789012:key/volumes',
    release: '20251110',
    mirror: 's3://eval-sandbox-runsc-mirror/gvisor',
    runscSha512: 'a'.repeat(128),
    shimSha512: 'b'.repeat(128),
  });
  const objects = synth(chart);
  return { nodePool: only(objects, 'NodePool'), nodeClass: only(objects, 'EC2NodeClass') };
}

/** Both kinds are cluster-scoped (the local client's kind table does not know them). */
const collection = (obj: KubeObject) =>
  `/apis/${obj.apiVersion}/${obj.kind === 'NodePool' ? 'nodepools' : 'ec2nodeclasses'}`;
/** A create with strict field validation (the CRD's schema and CEL rules all run); dry run by default. */
const create = (obj: KubeObject, dryRun = true) =>
  admin.request(
    'POST',
    `${collection(obj)}?fieldValidation=Strict${dryRun ? '&dryRun=All' : ''}`,
    obj,
  );

beforeAll(async () => {
  crds = Object.fromEntries(
    execFileSync('bash', [path.join(ROOT, 'scripts', 'fetch-karpenter-crds.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .trim()
      .split('\n')
      .map((l) => l.split(' ', 2) as [string, string]),
  );
  const [etcd, apiserver] = execFileSync(
    'bash',
    [path.join(ROOT, 'scripts', 'build-control-plane.sh')],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  )
    .trim()
    .split('\n');
  plane = await ControlPlane.start({
    etcd,
    apiserver,
    stateDir: fs.mkdtempSync(path.join(os.tmpdir(), 'eval-sandbox-karpenter-')),
  });
  admin = plane.admin();
  for (const file of Object.values(crds)) {
    for (const crd of parseAllDocuments(fs.readFileSync(file, 'utf8'))
      .map((d) => d.toJS() as KubeObject)
      .filter((o) => o)) {
      const res = await admin.apply(crd);
      if (res.status >= 300)
        throw new Error(`${crd.metadata.name}: ${res.status} ${res.body.message}`);
      await established(crd.metadata.name);
    }
  }
}, 30 * 60_000);

afterAll(async () => {
  await plane?.stop();
}, 60_000);

async function established(name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const got = await admin.request(
      'GET',
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
    );
    if (
      got.body.status?.conditions?.some(
        (c: KubeObject) => c.type === 'Established' && c.status === 'True',
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} never became established`);
}

describe("KarpenterGvisorPool against Karpenter's CRDs on a real kube-apiserver", () => {
  test('GIVEN the fetched CRDs THEN they are the v1 NodePool, NodeClaim and EC2NodeClass', async () => {
    expect(Object.keys(crds).sort()).toEqual(['ec2nodeclasses', 'nodeclaims', 'nodepools']);
    const served = await admin.request('GET', '/apis/karpenter.sh/v1');
    expect(served.status).toBe(200);
    expect(served.body.resources.map((r: KubeObject) => r.name)).toEqual(
      expect.arrayContaining(['nodepools', 'nodeclaims']),
    );
    expect((await admin.request('GET', '/apis/karpenter.k8s.aws/v1')).status).toBe(200);
  });

  test('GIVEN the synthesized EC2NodeClass and NodePool THEN strict validation accepts both', async () => {
    const { nodePool, nodeClass } = synthesized();
    for (const obj of [nodeClass, nodePool]) {
      const res = await create(obj);
      expect([obj.kind, res.status, res.body.message]).toEqual([obj.kind, 201, undefined]);
    }
  });

  test('GIVEN them created for real THEN the API server keeps every field we set (nothing pruned)', async () => {
    const { nodePool, nodeClass } = synthesized();
    for (const obj of [nodeClass, nodePool]) {
      const res = await create(obj, false);
      expect(res.status).toBe(201);
      expect(res.body.spec).toMatchObject(obj.spec);
    }
    // The defaults Karpenter's CRD fills in are not ours: we set every disruption field ourselves.
    const stored = await admin.request('GET', '/apis/karpenter.sh/v1/nodepools/gvisor');
    expect(stored.body.spec.disruption).toEqual(nodePool.spec.disruption);
  });

  test('GIVEN a misspelt NodePool field THEN strict validation refuses it (the check can fail)', async () => {
    const { nodePool } = synthesized();
    nodePool.spec.template.spec.expiresAfter = nodePool.spec.template.spec.expireAfter;
    const res = await create(nodePool);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('unknown field "spec.template.spec.expiresAfter"');
  });

  test('GIVEN a consolidation policy outside the enum THEN the schema refuses it', async () => {
    const { nodePool } = synthesized();
    nodePool.spec.disruption.consolidationPolicy = 'WhenIdle';
    const res = await create(nodePool);
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(
      /spec.disruption.consolidationPolicy: Unsupported value: "WhenIdle"/,
    );
  });

  test('GIVEN an expireAfter in days THEN the schema pattern refuses it', async () => {
    const { nodePool } = synthesized();
    nodePool.spec.template.spec.expireAfter = '1d';
    const res = await create(nodePool);
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('spec.template.spec.expireAfter');
  });

  test('GIVEN an unknown EC2NodeClass field and a bad volume type THEN strict validation and the schema refuse them', async () => {
    const unknown = synthesized().nodeClass;
    unknown.spec.metadataOptions.httpTokensRequired = true;
    const refused = await create(unknown);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain(
      'unknown field "spec.metadataOptions.httpTokensRequired"',
    );

    const badEnum = synthesized().nodeClass;
    badEnum.spec.blockDeviceMappings[0].ebs.volumeType = 'gp9';
    const res = await create(badEnum);
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/volumeType: Unsupported value: "gp9"/);
  });

  test("GIVEN an AMI alias of an unknown family THEN the CRD's CEL rule refuses it", async () => {
    const { nodeClass } = synthesized();
    nodeClass.spec.amiSelectorTerms = [{ alias: 'ubuntu@latest' }];
    const res = await create(nodeClass);
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('spec.amiSelectorTerms[0].alias');
  });
});
