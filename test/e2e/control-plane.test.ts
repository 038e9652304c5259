/**
 * The real thing: a kube-apiserver of the target minor (with etcd), built from the Go module proxy
 * by scripts/build-control-plane.sh, judges what we synthesize and the attack catalogue.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ADMISSION_REFUSAL } from '../../cli/run';
import { janitorScript } from '../../constructs/k8s/janitor-script';
import { ControlPlane } from '../../cli/local/control-plane';
import { collectionPath, KubeClient, KubeObject } from '../../cli/local/kube-client';
import { PolicyEvaluator } from '../../policies/k8s/evaluate';
import {
  EXPECT_ANNOTATION,
  IDENTITIES,
  REQUEST_FIXTURES,
  requestOptions,
  ruleFolder,
} from '../../policies/k8s/fixtures/catalogue';
import { sandboxNamespace, workload } from '../../policies/k8s/fixtures/workloads';

const ROOT = path.resolve(__dirname, '../..');
const RUNNER = 'system:serviceaccount:eval-orchestrator:orchestrator';
const AUDITOR = 'alice-auditor';
const MALLORY = 'mallory';
const EVALUATOR = 'system:serviceaccount:sbx-swe-0001:evaluator';
const JANITOR = 'system:serviceaccount:eval-sandbox-system:sandbox-janitor';
const JANITOR_GROUPS = [
  'system:serviceaccounts',
  'system:serviceaccounts:eval-sandbox-system',
  'system:authenticated',
];

jest.setTimeout(120_000);

let plane: ControlPlane;
let stateDir: string | undefined;
let admin: KubeClient;

function docs(file: string): KubeObject[] {
  return parseAllDocuments(fs.readFileSync(path.join(ROOT, file), 'utf8'))
    .map((d) => d.toJS() as KubeObject)
    .filter((o) => o !== null);
}

function fixtureFiles(): string[] {
  const base = path.join(ROOT, 'policies', 'k8s');
  return fs
    .readdirSync(base)
    .flatMap((rule) => ['good', 'bad'].map((v) => path.join(base, rule, v)))
    .filter((d) => fs.existsSync(d))
    .flatMap((d) => fs.readdirSync(d).map((f) => path.join(d, f)))
    .sort();
}

async function applyAll(objects: KubeObject[]): Promise<void> {
  for (const o of objects) {
    const res = await admin.apply(o);
    if (res.status >= 300)
      throw new Error(`apply ${o.kind}/${o.metadata.name}: ${res.status} ${res.body.message}`);
  }
}

/** kubectl v1.35.4, built with the control plane. */
let kubectl: string;

beforeAll(async () => {
  const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'build-control-plane.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let etcd: string, apiserver: string, controllerManager: string;
  [etcd, apiserver, controllerManager, kubectl] = out.trim().split('\n');
  plane = await ControlPlane.start({
    etcd,
    apiserver,
    controllerManager,
    stateDir: (stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-sandbox-cp-'))),
    users: {
      [RUNNER]: ['system:serviceaccounts', 'system:authenticated'],
      [AUDITOR]: ['eval-auditors'],
      [MALLORY]: [],
      [JANITOR]: JANITOR_GROUPS,
      [IDENTITIES.attacker.username]: IDENTITIES.attacker.groups,
      [IDENTITIES.controller.username]: IDENTITIES.controller.groups,
    },
  });
  admin = plane.admin();
}, 30 * 60_000);

afterAll(async () => {
  await plane?.stop();
  // etcd's data of one run is tens of MB: leave nothing behind.
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
}, 60_000);

describe('everything we synthesize, on a real kube-apiserver', () => {
  test('the platform chart applies with server-side apply and strict field validation', async () => {
    await applyAll(docs('dist/platform.k8s.yaml'));
    const vaps = await admin.request(
      'GET',
      '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies',
    );
    expect(vaps.status).toBe(200);
    expect(vaps.body.items.length).toBe(
      docs('dist/platform.k8s.yaml').filter((o) => o.kind === 'ValidatingAdmissionPolicy').length,
    );
  });

  test('every admission policy type-checks in the API server without a warning', async () => {
    // The controller manager's type-checking controller records the result in each policy's status.
    const deadline = Date.now() + 90_000;
    let items: KubeObject[] = [];
    for (;;) {
      items = (
        await admin.request(
          'GET',
          '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies',
        )
      ).body.items;
      const checked = items.filter(
        (p) => p.status?.typeChecking && p.status.observedGeneration === p.metadata.generation,
      );
      if (checked.length === items.length) break;
      if (Date.now() > deadline)
        throw new Error(
          `type checking did not finish for ${items.length - checked.length} policies within 90 s`,
        );
      await new Promise((r) => setTimeout(r, 500));
    }
    const warnings = items.flatMap((p) =>
      (p.status.typeChecking.expressionWarnings ?? []).map(
        (w: KubeObject) => `${p.metadata.name} ${w.fieldRef}: ${w.warning}`,
      ),
    );
    expect(warnings).toEqual([]);
  });

  test('the example sandboxes apply, and a strict apply refuses a misspelled field', async () => {
    await applyAll(docs('dist/example-sandboxes.k8s.yaml'));
    const job = structuredClone(
      docs('dist/example-sandboxes.k8s.yaml').find((o) => o.kind === 'Job') as KubeObject,
    );
    job.spec.template.spec.runtimeClasName = 'gvisor';
    const applied = await admin.apply(job, { dryRun: true });
    expect(applied.status).toBeGreaterThanOrEqual(400);
    expect(applied.body.message).toMatch(
      /\.spec\.template\.spec\.runtimeClasName: field not declared in schema/,
    );
    const created = await admin.create(
      { ...job, metadata: { ...job.metadata, name: 'misspelled' } },
      { dryRun: true },
    );
    expect(created.status).toBe(400);
    expect(created.body.message).toMatch(/unknown field "spec.template.spec.runtimeClasName"/);
  });
});

describe('the attack catalogue, judged by the real admission chain', () => {
  const NS = 'sbx-catalogue';
  const evaluator = PolicyEvaluator.forPack();
  const files = fixtureFiles();

  beforeAll(async () => {
    // A sandbox namespace as PSA and the policies see it, without LimitRange defaults (which would
    // fill in the limits R5 checks before validation runs).
    await applyAll([
      sandboxNamespace(NS),
      // No controller manager runs here to create it; the ServiceAccount admission plugin needs it.
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default', namespace: NS },
        automountServiceAccountToken: false,
      },
    ]);
    // Policies take effect one by one as the API server loads them (slowly on a loaded machine):
    // wait until one attack of every rule is refused, so no answer below comes from a half-loaded pack.
    const firstAttackPerRule = new Map<string, KubeObject>();
    for (const file of files.filter((f) => f.includes(`${path.sep}bad${path.sep}`))) {
      const object = parse(fs.readFileSync(file, 'utf8')) as KubeObject;
      const rule: string = object.metadata.annotations[EXPECT_ANNOTATION];
      if (!firstAttackPerRule.has(rule)) firstAttackPerRule.set(rule, object);
    }
    const deadline = Date.now() + 120_000;
    for (;;) {
      const pending: string[] = [];
      for (const [rule, object] of firstAttackPerRule)
        if ((await admin.create(object, { dryRun: true, namespace: NS })).status < 300)
          pending.push(rule);
      if (pending.length === 0) break;
      if (Date.now() > deadline)
        throw new Error(`these policies did not take effect within 120 s: ${pending.join(', ')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 180_000);

  test('every fixture gets the annotated answer, and policy check agrees with the API server on each', async () => {
    const rows: string[] = [];
    const disagreements: string[] = [];
    for (const file of files) {
      const object = parse(fs.readFileSync(file, 'utf8')) as KubeObject;
      const expected: string = object.metadata.annotations[EXPECT_ANNOTATION];
      const res = await admin.create(object, { dryRun: true, namespace: NS });
      const admitted = res.status < 300;
      const offline = evaluator.evaluate(object);
      const rel = path.relative(ROOT, file);
      const reason = admitted ? 'admitted' : String(res.body.message);
      rows.push(`${admitted ? 'ADMIT ' : 'REJECT'} ${rel}: ${reason.slice(0, 160)}`);
      if (admitted !== offline.admitted)
        disagreements.push(
          `${rel}: api server ${admitted ? 'admitted' : `rejected (${reason})`}, policy check ${offline.admitted ? 'admitted' : 'rejected'}`,
        );
      if (expected === 'admitted') {
        if (!admitted) disagreements.push(`${rel}: expected admitted, got ${reason}`);
      } else {
        // Pod Security Admission runs before the policies and may refuse a Pod first, with its own words.
        const byUs = reason.includes(`[${expected}]`);
        const byPsa =
          object.kind === 'Pod' &&
          expected === 'SBX-R3-pod-security-restricted' &&
          /violates PodSecurity "restricted/.test(reason);
        if (admitted || !(byUs || byPsa))
          disagreements.push(`${rel}: expected ${expected}, got ${reason}`);
      }
    }
    if (disagreements.length > 0)
      console.log(
        `disagreements:\n${disagreements.join('\n')}\n\nall answers:\n${rows.join('\n')}`,
      );
    expect(disagreements).toEqual([]);
    expect(files.length).toBeGreaterThanOrEqual(60);
  }, 300_000);
});

describe('request fixtures (updates, deletes, subresources, other identities) on the real API server', () => {
  const NS = 'sbx-catalogue';
  const evaluator = PolicyEvaluator.forPack();

  beforeAll(async () => {
    // The attacker and the controller get every RBAC right, so admission is the only thing in
    // their way (a compromised orchestrator with broad RBAC, the controller manager).
    await applyAll(
      (['attacker', 'controller'] as const).map((who) => ({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `test-${who}-cluster-admin` },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'cluster-admin',
        },
        subjects: [
          {
            kind: 'User',
            name: IDENTITIES[who].username,
            apiGroup: 'rbac.authorization.k8s.io',
          },
        ],
      })),
    );
  });

  /** The object's namespace in the test cluster (fixtures without one go to the catalogue's). */
  const placed = (o: KubeObject): KubeObject => {
    const copy = structuredClone(o);
    delete copy.metadata.annotations;
    if (
      collectionPath({ ...copy, metadata: { ...copy.metadata, namespace: NS } }).includes(
        '/namespaces/',
      )
    )
      copy.metadata.namespace = copy.metadata.namespace ?? NS;
    return copy;
  };

  test('every request fixture gets its answer, and policy check agrees with the API server on each', async () => {
    const problems: string[] = [];
    const rows: string[] = [];
    for (const c of REQUEST_FIXTURES) {
      const r = c.request ?? {};
      const name = `${ruleFolder(c.rule)}/${c.verdict}/${c.name}`;
      const client =
        r.as === undefined || r.as === 'platform' ? admin : plane.client(IDENTITIES[r.as].username);
      const object = placed(c.object);
      const itemPath = `${collectionPath(object)}/${object.metadata.name}`;
      if (r.oldObject) {
        const created = await admin.apply(placed(r.oldObject));
        if (created.status >= 300) {
          problems.push(
            `${name}: setting up the old object failed: ${created.status} ${created.body.message}`,
          );
          continue;
        }
      }
      const send = async () => {
        const operation = r.operation ?? 'CREATE';
        if (operation === 'CREATE') {
          return await client.request('POST', `${collectionPath(object)}?dryRun=All`, object);
        } else if (operation === 'DELETE') {
          return await client.request('DELETE', `${itemPath}?dryRun=All`);
        } else {
          const current = (await admin.request('GET', itemPath)).body;
          let body: KubeObject;
          if (object.kind === 'Pod' && r.subresource === undefined) {
            // Admission filled in fields (tolerations, node selector, overhead) the fixture does not
            // carry: send the stored pod with the fields a pod update may change taken from the fixture.
            const images = (list: string) =>
              (current.spec[list] ?? []).map((c: KubeObject, i: number) => ({
                ...c,
                image: object.spec[list]?.[i]?.image ?? c.image,
              }));
            body = {
              ...current,
              spec: {
                ...current.spec,
                containers: images('containers'),
                initContainers: images('initContainers'),
              },
            };
          } else if (r.subresource === 'ephemeralcontainers') {
            body = {
              ...current,
              spec: { ...current.spec, ephemeralContainers: object.spec.ephemeralContainers },
            };
          } else {
            body = {
              ...object,
              metadata: { ...object.metadata, resourceVersion: current.metadata.resourceVersion },
            };
          }
          const sub = r.subresource ? `/${r.subresource}` : '';
          return await client.request('PUT', `${itemPath}${sub}?dryRun=All`, body);
        }
      };
      // A policy may still be loading on a busy machine: an attack that gets through is sent again
      // for up to 60 s before it counts as admitted.
      let res = await send();
      const retryUntil = Date.now() + 60_000;
      while (c.verdict === 'bad' && res.status < 300 && Date.now() < retryUntil) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        res = await send();
      }
      const admitted = res.status < 300;
      const reason = admitted ? 'admitted' : `${res.status} ${String(res.body.message)}`;
      rows.push(`${admitted ? 'ADMIT ' : 'REJECT'} ${name}: ${reason.slice(0, 200)}`);
      const offline = evaluator.evaluate(c.object, requestOptions(c));
      if (offline.admitted !== admitted)
        problems.push(
          `${name}: api server ${reason}; policy check ${offline.admitted ? 'admitted' : JSON.stringify(offline.violations)}`,
        );
      if (c.verdict === 'good' && !admitted)
        problems.push(`${name}: expected admitted, got ${reason}`);
      if (
        c.verdict === 'bad' &&
        (admitted || res.status !== 403 || !reason.includes(`[${c.rule}]`))
      )
        problems.push(`${name}: expected a refusal by ${c.rule}, got ${reason}`);
    }
    if (problems.length > 0)
      console.log(`problems:\n${problems.join('\n')}\n\nall answers:\n${rows.join('\n')}`);
    expect(problems).toEqual([]);
    expect(REQUEST_FIXTURES.length).toBeGreaterThanOrEqual(15);
  }, 300_000);
});

describe('built-in admission that policy check reproduces', () => {
  test('a Pod with its own spec.overhead: refused by RuntimeClass admission, and offline', async () => {
    const pod = workload('Pod', 'own-overhead');
    pod.spec.overhead = { cpu: '1m', memory: '1Ki' };
    const res = await admin.create(pod, { dryRun: true, namespace: 'sbx-catalogue' });
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/Overhead/i);
    expect(
      PolicyEvaluator.forPack()
        .evaluate(pod)
        .violations.map((v) => v.rule),
    ).toEqual(['admission:RuntimeClass']);
  });
});

describe('RBAC matrix (SubjectAccessReview)', () => {
  type Row = [
    string,
    string,
    string[],
    { verb: string; resource: string; group?: string; subresource?: string; namespace?: string },
    boolean,
  ];
  const SBX = 'sbx-swe-0001';
  const OTHER = 'kube-system';
  const RUNNER_GROUPS = [
    'system:serviceaccounts',
    'system:serviceaccounts:eval-orchestrator',
    'system:authenticated',
  ];
  const EVALUATOR_GROUPS = [
    'system:serviceaccounts',
    `system:serviceaccounts:${SBX}`,
    'system:authenticated',
  ];
  const ROWS: Row[] = [
    [
      'runner',
      RUNNER,
      RUNNER_GROUPS,
      { verb: 'create', resource: 'jobs', group: 'batch', namespace: SBX },
      true,
    ],
    [
      'runner',
      RUNNER,
      RUNNER_GROUPS,
      { verb: 'delete', resource: 'jobs', group: 'batch', namespace: SBX },
      true,
    ],
    ['runner', RUNNER, RUNNER_GROUPS, { verb: 'watch', resource: 'pods', namespace: SBX }, true],
    [
      'runner',
      RUNNER,
      RUNNER_GROUPS,
      { verb: 'get', resource: 'pods', subresource: 'log', namespace: SBX },
      true,
    ],
    [
      'runner',
      RUNNER,
      RUNNER_GROUPS,
      { verb: 'create', resource: 'jobs', group: 'batch', namespace: OTHER },
      false,
    ],
    [
      'runner',
      RUNNER,
      RUNNER_GROUPS,
      { verb: 'create', resource: 'jobs', group: 'batch', namespace: 'sbx-catalogue' },
      false,
    ],
    ['runner', RUNNER, RUNNER_GROUPS, { verb: 'get', resource: 'secrets', namespace: SBX }, false],
    [
      'runner',
      RUNNER,
      RUNNER_GROUPS,
      { verb: 'create', resource: 'pods', subresource: 'exec', namespace: SBX },
      false,
    ],
    ['runner', RUNNER, RUNNER_GROUPS, { verb: 'create', resource: 'pods', namespace: SBX }, false],
    [
      'runner',
      RUNNER,
      RUNNER_GROUPS,
      { verb: 'patch', resource: 'jobs', group: 'batch', namespace: SBX },
      false,
    ],
    [
      'runner',
      RUNNER,
      RUNNER_GROUPS,
      {
        verb: 'create',
        resource: 'rolebindings',
        group: 'rbac.authorization.k8s.io',
        namespace: SBX,
      },
      false,
    ],
    [
      'runner',
      RUNNER,
      RUNNER_GROUPS,
      { verb: 'bind', resource: 'clusterroles', group: 'rbac.authorization.k8s.io' },
      false,
    ],
    ['runner', RUNNER, RUNNER_GROUPS, { verb: 'impersonate', resource: 'users' }, false],
    ['runner', RUNNER, RUNNER_GROUPS, { verb: 'list', resource: 'nodes' }, false],
    ['runner', RUNNER, RUNNER_GROUPS, { verb: 'update', resource: 'namespaces' }, false],
    [
      'auditor',
      AUDITOR,
      ['eval-auditors'],
      { verb: 'list', resource: 'pods', namespace: SBX },
      true,
    ],
    [
      'auditor',
      AUDITOR,
      ['eval-auditors'],
      { verb: 'get', resource: 'pods', subresource: 'log', namespace: SBX },
      true,
    ],
    [
      'auditor',
      AUDITOR,
      ['eval-auditors'],
      { verb: 'list', resource: 'networkpolicies', group: 'networking.k8s.io', namespace: SBX },
      true,
    ],
    [
      'auditor',
      AUDITOR,
      ['eval-auditors'],
      { verb: 'get', resource: 'secrets', namespace: SBX },
      false,
    ],
    [
      'auditor',
      AUDITOR,
      ['eval-auditors'],
      { verb: 'get', resource: 'configmaps', namespace: SBX },
      false,
    ],
    [
      'auditor',
      AUDITOR,
      ['eval-auditors'],
      { verb: 'delete', resource: 'jobs', group: 'batch', namespace: SBX },
      false,
    ],
    [
      'auditor',
      AUDITOR,
      ['eval-auditors'],
      { verb: 'list', resource: 'pods', namespace: OTHER },
      false,
    ],
    [
      'evaluator',
      EVALUATOR,
      EVALUATOR_GROUPS,
      { verb: 'list', resource: 'pods', namespace: SBX },
      false,
    ],
    [
      'evaluator',
      EVALUATOR,
      EVALUATOR_GROUPS,
      { verb: 'get', resource: 'secrets', namespace: SBX },
      false,
    ],
    [
      'evaluator',
      EVALUATOR,
      EVALUATOR_GROUPS,
      { verb: 'create', resource: 'pods', namespace: SBX },
      false,
    ],
    [
      'evaluator',
      EVALUATOR,
      EVALUATOR_GROUPS,
      { verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: SBX },
      false,
    ],
    [
      'unrelated user',
      MALLORY,
      ['system:authenticated'],
      { verb: 'list', resource: 'pods', namespace: SBX },
      false,
    ],
    [
      'unrelated user',
      MALLORY,
      ['system:authenticated'],
      { verb: 'create', resource: 'jobs', group: 'batch', namespace: SBX },
      false,
    ],
  ];

  test.each(ROWS)('%s (%s): %p → %p', async (_who, user, groups, attributes, allowed) => {
    expect(await admin.can(user, groups, attributes)).toBe(allowed);
  });
});

describe('quotas and boundaries, enforced by the API server', () => {
  const SBX = 'sbx-swe-0001';

  test('pods beyond the sandbox quota are refused (the gVisor overhead counts)', async () => {
    // The quota controller fills in the quota's status; admission enforces it from then on.
    const deadline = Date.now() + 60_000;
    while (
      !(await admin.request('GET', `/api/v1/namespaces/${SBX}/resourcequotas/sandbox-quota`)).body
        .status?.hard
    ) {
      if (Date.now() > deadline)
        throw new Error('the resource quota controller did not sync sandbox-quota within 60 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    // Each pod asks 1 CPU plus the RuntimeClass overhead of 100m: the 4-CPU quota holds three.
    const results: number[] = [];
    for (let i = 0; i < 5; i++) {
      const pod = workload('Pod', `quota-${i}`);
      pod.metadata.namespace = SBX;
      pod.spec.serviceAccountName = 'evaluator';
      const c = pod.spec.containers[0];
      c.resources = {
        limits: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '1Gi' },
        requests: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '1Gi' },
      };
      const res = await admin.create(pod);
      results.push(res.status);
      if (res.status >= 300) expect(res.body.message).toMatch(/exceeded quota: sandbox-quota/);
    }
    expect(results).toEqual([201, 201, 201, 403, 403]);
  });

  test('the priority quota alone refuses pods of any other PriorityClass, and only those', async () => {
    // A namespace without the sandbox label: no policy is bound there, so only the quota speaks.
    const NS = 'priority-quota-only';
    const quota = docs('dist/example-sandboxes.k8s.yaml').find(
      (o) => o.kind === 'ResourceQuota' && o.metadata.name === 'sandbox-priority-quota',
    ) as KubeObject;
    await applyAll([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default', namespace: NS },
        automountServiceAccountToken: false,
      },
      {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: 'test-high' },
        value: 1000,
      },
      { ...quota, metadata: { ...quota.metadata, namespace: NS } },
    ]);
    const deadline = Date.now() + 60_000;
    while (
      !(
        await admin.request('GET', `/api/v1/namespaces/${NS}/resourcequotas/sandbox-priority-quota`)
      ).body.status?.hard
    ) {
      if (Date.now() > deadline) throw new Error('the quota controller did not sync within 60 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    const statusFor = async (priorityClassName?: string) => {
      const pod = workload('Pod', `p-${priorityClassName ?? 'none'}`);
      if (priorityClassName) pod.spec.priorityClassName = priorityClassName;
      const res = await admin.create(pod, { dryRun: true, namespace: NS });
      return res.status < 300 ? 'admitted' : String(res.body.message);
    };
    expect(await statusFor()).toBe('admitted');
    expect(await statusFor('eval-sandbox-sandbox')).toBe('admitted');
    expect(await statusFor('test-high')).toMatch(/exceeded quota: sandbox-priority-quota/);
    expect(await statusFor('system-node-critical')).toMatch(
      /exceeded quota: sandbox-priority-quota/,
    );
  });

  test('a NodePort Service is refused by the quota and the policy', async () => {
    const res = await admin.create(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'np' },
        spec: { type: 'NodePort', selector: { a: 'b' }, ports: [{ port: 80 }] },
      },
      { dryRun: true, namespace: SBX },
    );
    expect(res.status).toBe(403);
  });

  test('the runner cannot remove the sandbox label; the platform can', async () => {
    const runner = plane.client(RUNNER);
    // The runner has no RBAC right to update namespaces at all; give it one to show the policy holds on its own.
    await applyAll([
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'test-namespace-editor' },
        rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'patch', 'update'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'test-namespace-editor' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'test-namespace-editor',
        },
        subjects: [{ kind: 'User', name: RUNNER, apiGroup: 'rbac.authorization.k8s.io' }],
      },
    ]);
    // The authorizer sees a new binding through its informer: wait until it does.
    const deadline = Date.now() + 30_000;
    while (!(await admin.can(RUNNER, [], { verb: 'patch', resource: 'namespaces' }))) {
      if (Date.now() > deadline)
        throw new Error('the namespace-editor binding did not take effect');
      await new Promise((r) => setTimeout(r, 200));
    }
    const patch = JSON.stringify({ metadata: { labels: { 'eval-sandbox.io/sandbox': null } } });
    const byRunner = await runner.request(
      'PATCH',
      `/api/v1/namespaces/${SBX}?dryRun=All`,
      patch,
      'application/merge-patch+json',
    );
    expect(byRunner.status).toBe(403);
    expect(byRunner.body.message).toMatch(/\[SBX-B1-sandbox-namespace-labels\]/);
    const byPlatform = await admin.request(
      'PATCH',
      `/api/v1/namespaces/${SBX}?dryRun=All`,
      patch,
      'application/merge-patch+json',
    );
    expect(byPlatform.status).toBe(200);
  });
});

describe('the sandbox janitor, on the real API server', () => {
  type Attributes = {
    verb: string;
    resource: string;
    group?: string;
    subresource?: string;
    namespace?: string;
  };
  const ROWS: [Attributes, boolean][] = [
    [{ verb: 'list', resource: 'namespaces' }, true],
    [{ verb: 'delete', resource: 'namespaces' }, true],
    [{ verb: 'patch', resource: 'namespaces' }, true],
    [{ verb: 'list', resource: 'jobs', group: 'batch' }, true],
    [{ verb: 'list', resource: 'jobs', group: 'batch', namespace: 'sbx-swe-0001' }, true],
    [{ verb: 'get', resource: 'namespaces' }, true],
    [{ verb: 'watch', resource: 'namespaces' }, false],
    [{ verb: 'create', resource: 'namespaces' }, false],
    [{ verb: 'update', resource: 'namespaces' }, false],
    [{ verb: 'update', resource: 'namespaces', subresource: 'finalize' }, false],
    [{ verb: 'delete', resource: 'jobs', group: 'batch', namespace: 'sbx-swe-0001' }, false],
    [{ verb: 'list', resource: 'pods', namespace: 'sbx-swe-0001' }, false],
    [{ verb: 'get', resource: 'secrets', namespace: 'eval-sandbox-system' }, false],
    [{ verb: 'list', resource: 'secrets' }, false],
    [
      {
        verb: 'create',
        resource: 'rolebindings',
        group: 'rbac.authorization.k8s.io',
        namespace: 'sbx-swe-0001',
      },
      false,
    ],
    [
      {
        verb: 'patch',
        resource: 'validatingadmissionpolicies',
        group: 'admissionregistration.k8s.io',
      },
      false,
    ],
    [
      {
        verb: 'delete',
        resource: 'validatingadmissionpolicybindings',
        group: 'admissionregistration.k8s.io',
      },
      false,
    ],
  ];

  test.each(ROWS)('SubjectAccessReview: janitor %p → %p', async (attributes, allowed) => {
    expect(await admin.can(JANITOR, JANITOR_GROUPS, attributes)).toBe(allowed);
  });

  const janitor = () => plane.client(JANITOR);
  const VICTIM = 'janitor-victim';
  const SANDBOX = 'sbx-janitor-target';

  beforeAll(async () => {
    await applyAll([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: VICTIM, labels: { team: 'a' } } },
      sandboxNamespace(SANDBOX),
    ]);
  });

  /** Sends `send` until admission answers (a new policy takes a moment to load). */
  async function until403(send: () => Promise<{ status: number; body: KubeObject }>) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await send();
      if (res.status === 403 || Date.now() > deadline) return res;
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  test('deleting a namespace without the sandbox label is refused by admission', async () => {
    const res = await until403(() =>
      janitor().request('DELETE', `/api/v1/namespaces/${VICTIM}?dryRun=All`),
    );
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(
      /may only delete sandbox namespaces.*\[eval-sandbox-sandbox-janitor\]/,
    );
    // kube-system too, and the janitor's own namespace.
    for (const ns of ['kube-system', 'eval-sandbox-system']) {
      const r = await janitor().request('DELETE', `/api/v1/namespaces/${ns}?dryRun=All`);
      expect(r.status).toBe(403);
    }
  });

  test('deleting a sandbox namespace is allowed', async () => {
    const res = await janitor().request('DELETE', `/api/v1/namespaces/${SANDBOX}?dryRun=All`);
    expect(res.status).toBe(200);
  });

  test('the janitor may set only the outcome label and failure time, and only on a sandbox', async () => {
    const patch = (ns: string, metadata: KubeObject) =>
      janitor().request(
        'PATCH',
        `/api/v1/namespaces/${ns}?dryRun=All`,
        JSON.stringify({ metadata }),
        'application/merge-patch+json',
      );
    const mark = {
      labels: { 'eval-sandbox.io/outcome': 'failed' },
      annotations: { 'eval-sandbox.io/failed-at': '2026-06-01T12:00:00Z' },
    };
    expect((await until403(() => patch(VICTIM, mark))).status).toBe(403);
    expect((await patch(SANDBOX, mark)).status).toBe(200);
    for (const bad of [
      { labels: { 'eval-sandbox.io/outcome': 'passed' } },
      { labels: { team: 'b' } },
      { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
      { labels: { 'eval-sandbox.io/sandbox': null } },
      { annotations: { 'eval-sandbox.io/expires-at': '2099-01-01T00:00:00Z' } },
    ]) {
      const res = await patch(SANDBOX, bad);
      expect([JSON.stringify(bad), res.status]).toEqual([JSON.stringify(bad), 403]);
    }
  });

  // The policy matches on the user name alone, so system:masters (which RBAC never stops) stands
  // for every other identity.
  test('nobody but the janitor may set, change or remove the failure record, not even system:masters', async () => {
    const marks =
      /only the janitor may set or remove them on a sandbox namespace \[eval-sandbox-sandbox-janitor-marks\]/;
    const patchAs = (
      client: ReturnType<typeof plane.client>,
      metadata: KubeObject,
      dryRun = true,
    ) =>
      client.request(
        'PATCH',
        `/api/v1/namespaces/${SANDBOX}${dryRun ? '?dryRun=All' : ''}`,
        JSON.stringify({ metadata }),
        'application/merge-patch+json',
      );
    const mark = {
      labels: { 'eval-sandbox.io/outcome': 'failed' },
      annotations: { 'eval-sandbox.io/failed-at': '2026-06-01T12:00:00Z' },
    };
    const res = await until403(() => patchAs(admin, mark));
    expect([res.status, res.body.message]).toEqual([403, expect.stringMatching(marks)]);
    // The wording `eval-sandbox run` relies on to tell an admission refusal from an RBAC one.
    expect(res.body.message).toMatch(ADMISSION_REFUSAL);
    // The janitor marks it for real; then nobody else may take the mark off or move its time.
    expect((await patchAs(janitor(), mark, false)).status).toBe(200);
    for (const bad of [
      { labels: { 'eval-sandbox.io/outcome': null } },
      { annotations: { 'eval-sandbox.io/failed-at': null } },
      { annotations: { 'eval-sandbox.io/failed-at': '2000-01-01T00:00:00Z' } },
    ]) {
      const refused = await patchAs(admin, bad);
      expect([JSON.stringify(bad), refused.status]).toEqual([JSON.stringify(bad), 403]);
    }
    // Through the status subresource as well.
    const current = (await admin.request('GET', `/api/v1/namespaces/${SANDBOX}`)).body;
    delete current.metadata.labels['eval-sandbox.io/outcome'];
    const viaStatus = await admin.request(
      'PUT',
      `/api/v1/namespaces/${SANDBOX}/status?dryRun=All`,
      JSON.stringify(current),
      'application/json',
    );
    expect([viaStatus.status, viaStatus.body.message]).toEqual([403, expect.stringMatching(marks)]);
    // Other labels stay the platform's to change: the policy guards the record, nothing else.
    expect((await patchAs(admin, { labels: { team: 'b' } })).status).toBe(200);
  });

  // Runs last: with its clock two hours ahead it also deletes the other tests' sandboxes that
  // have no evaluation Job (as it should).
  test('janitor.sh with the real kubectl, as the janitor: deletes, marks and keeps as decided', async () => {
    const running = workload('Job', 'eval');
    running.metadata.namespace = 'sbx-janitor-running';
    running.metadata.labels = { ...running.metadata.labels, 'eval-sandbox.io/evaluation-id': 'e1' };
    running.spec.suspend = true;
    const expired = {
      ...structuredClone(running),
      metadata: { ...running.metadata, namespace: 'sbx-janitor-expired' },
    };
    const withAnnotations = (
      o: KubeObject,
      labels: Record<string, string>,
      annotations: Record<string, string>,
    ) => ({
      ...o,
      metadata: { ...o.metadata, labels: { ...o.metadata.labels, ...labels }, annotations },
    });
    await applyAll([
      sandboxNamespace('sbx-janitor-gone'),
      sandboxNamespace('sbx-janitor-running'),
      withAnnotations(
        sandboxNamespace('sbx-janitor-expired'),
        {},
        { 'eval-sandbox.io/expires-at': '2000-01-01T00:00:00Z' },
      ),
      withAnnotations(
        sandboxNamespace('sbx-janitor-failed'),
        { 'eval-sandbox.io/outcome': 'failed' },
        {},
      ),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'janitor-bystander' } },
      running,
      expired,
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janitor-e2e-'));
    try {
      fs.writeFileSync(path.join(dir, 'janitor.sh'), janitorScript());
      const kubeconfig = plane.writeKubeconfig(path.join(dir, 'kubeconfig'), JANITOR);
      // Two hours from now: every namespace just created is past the one-hour grace period.
      const now = Math.floor(Date.now() / 1000) + 2 * 3600;
      const out = execFileSync('sh', [path.join(dir, 'janitor.sh')], {
        encoding: 'utf8',
        env: {
          // Our own kubectl, of the cluster's version (scripts/build-control-plane.sh), not one
          // that happens to be installed.
          PATH: `${path.dirname(kubectl)}:/usr/bin:/bin`,
          HOME: dir,
          KUBECONFIG: kubeconfig,
          GRACE_SECONDS: '3600',
          RETENTION_SECONDS: '604800',
          JANITOR_NOW: String(now),
        },
      });
      const lines = out.trim().split('\n');
      expect(lines).toEqual(
        expect.arrayContaining([
          'delete sbx-janitor-gone no evaluation job after grace period',
          'keep sbx-janitor-running evaluation running',
          'delete sbx-janitor-expired expired',
          'mark-failed sbx-janitor-failed evaluation failed',
        ]),
      );
      expect(out).not.toMatch(/janitor-bystander|janitor-victim/);
      const get = async (ns: string) =>
        (await admin.request('GET', `/api/v1/namespaces/${ns}`)).body;
      for (const ns of ['sbx-janitor-gone', 'sbx-janitor-expired']) {
        const o = await get(ns);
        expect([ns, o.code === 404 || o.metadata?.deletionTimestamp !== undefined]).toEqual([
          ns,
          true,
        ]);
      }
      expect((await get('sbx-janitor-running')).metadata.deletionTimestamp).toBeUndefined();
      expect((await get('janitor-bystander')).metadata.deletionTimestamp).toBeUndefined();
      const failed = await get('sbx-janitor-failed');
      expect(failed.metadata.annotations['eval-sandbox.io/failed-at']).toBe(
        new Date(now * 1000).toISOString().replace(/\.000Z$/, 'Z'),
      );
      expect(failed.metadata.deletionTimestamp).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
