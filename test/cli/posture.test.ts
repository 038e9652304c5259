import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KubeObject } from '../../cli/local/kube-client';
import {
  chooseProbeJob,
  isProbeImage,
  newestTerminated,
  parseReport,
  parseTarget,
  PostureApi,
  PostureApiError,
  postureSchemaFile,
  ProbeReport,
  readPosture,
  runPosture,
  schemaValidator,
  textSummary,
} from '../../cli/posture';
import { POSTURE_RECORD_KEY } from '../../constructs/k8s/posture-record';
import { PROBE_IMAGE, PROBE_IMAGE_REPOSITORY } from '../../constructs/shared/probe-image';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'eval-sandbox.js');

/** The committed example sandboxes: real records and Jobs. */
const DIST = parseAllDocuments(
  fs.readFileSync(path.join(ROOT, 'dist', 'example-sandboxes.k8s.yaml'), 'utf8'),
).map((d) => d.toJSON() as KubeObject);
const CONFIG_MAP = DIST.find(
  (o) => o.kind === 'ConfigMap' && o.metadata.name === 'eval-swe-0001-posture',
) as KubeObject;
const JOB = DIST.find((o) => o.kind === 'Job' && o.metadata.name === 'eval-swe-0001') as KubeObject;
const NS = CONFIG_MAP.metadata.namespace as string;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const recordOf = (cm: KubeObject) => JSON.parse(cm.data[POSTURE_RECORD_KEY]) as KubeObject;

const validate = schemaValidator();

function report(failing: string[] = []): ProbeReport {
  const names = ['gvisor', 'non-root', 'memory-limit', 'blocked:169.254.169.254:80'];
  return {
    probe: 'eval-sandbox-conformance',
    version: 1,
    ok: failing.length === 0,
    checks: names.map((name) => ({
      name,
      ok: !failing.includes(name),
      detail: failing.includes(name) ? `${name} not as expected` : 'as expected',
    })),
  };
}

function pod(
  name: string,
  finishedAt: string | undefined,
  message: string | undefined,
  exitCode = 0,
): KubeObject {
  return {
    metadata: { name, creationTimestamp: '2030-01-01T00:00:00Z' },
    status: {
      containerStatuses: [
        {
          name: 'evaluation',
          state: finishedAt
            ? { terminated: { exitCode, finishedAt, ...(message ? { message } : {}) } }
            : { running: { startedAt: '2030-01-01T00:00:01Z' } },
        },
      ],
    },
  };
}

/** An in-memory API: objects by `namespace/name`, pods by label selector; records every call. */
class FakeApi implements PostureApi {
  public readonly calls: string[] = [];
  constructor(
    private readonly configMaps: Record<string, KubeObject> = {},
    private readonly jobs: Record<string, KubeObject> = {},
    private readonly pods: Record<string, KubeObject[]> = {},
  ) {}
  public async getConfigMap(ns: string, name: string) {
    this.calls.push(`configmap ${ns}/${name}`);
    return this.configMaps[`${ns}/${name}`];
  }
  public async getJob(ns: string, name: string) {
    this.calls.push(`job ${ns}/${name}`);
    return this.jobs[`${ns}/${name}`];
  }
  public async listPods(ns: string, selector: string) {
    this.calls.push(`pods ${ns} ${selector}`);
    return this.pods[`${ns} ${selector}`] ?? [];
  }
}

function withProbe(job = 'conformance-probe'): KubeObject {
  const cm = clone(CONFIG_MAP);
  const record = recordOf(cm);
  record.probe = { image: PROBE_IMAGE, job, argoCdHook: null };
  cm.data[POSTURE_RECORD_KEY] = JSON.stringify(record);
  return cm;
}

/** An evaluation Job that does not run the probe image. */
function agentJob(): KubeObject {
  const job = clone(JOB);
  job.spec.template.spec.containers[0].image = `registry.example.com/agents/a@sha256:${'a'.repeat(64)}`;
  return job;
}

async function run(api: PostureApi, target = `${NS}/eval-swe-0001`, output = 'json') {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPosture(
    target,
    { output },
    { out: (l) => out.push(l), err: (l) => err.push(l) },
    async () => api,
    validate,
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('choosing the probe', () => {
  test('the recorded probe.job wins; the Job is not consulted', () => {
    expect(chooseProbeJob({ probe: { job: 'conformance-probe' } }, agentJob())).toBe(
      'conformance-probe',
    );
  });

  test('no recorded probe: the evaluation Job itself when it runs the probe image', () => {
    expect(JOB.spec.template.spec.containers[0].image.startsWith(PROBE_IMAGE_REPOSITORY)).toBe(
      true,
    );
    expect(chooseProbeJob({ probe: null }, JOB)).toBe('eval-swe-0001');
  });

  test('no recorded probe and another image, or no Job: none', () => {
    expect(chooseProbeJob({ probe: null }, agentJob())).toBeUndefined();
    expect(chooseProbeJob({ probe: null }, undefined)).toBeUndefined();
  });

  test('only the probe repository itself counts, not a repository that starts like it', () => {
    expect(isProbeImage(PROBE_IMAGE)).toBe(true);
    expect(isProbeImage(`${PROBE_IMAGE_REPOSITORY}:v1`)).toBe(true);
    expect(isProbeImage(`${PROBE_IMAGE_REPOSITORY}-fake@sha256:${'b'.repeat(64)}`)).toBe(false);
    expect(isProbeImage(undefined)).toBe(false);
  });
});

describe('picking the newest terminated pod', () => {
  test('the latest finishedAt wins; running pods are skipped', () => {
    const pods = [
      pod('p-old', '2030-01-01T00:01:00Z', 'old'),
      pod('p-new', '2030-01-01T00:05:00Z', 'new', 1),
      pod('p-running', undefined, undefined),
    ];
    expect(newestTerminated(pods)).toEqual({
      pod: 'p-new',
      finishedAt: '2030-01-01T00:05:00Z',
      exitCode: 1,
      message: 'new',
    });
    expect(newestTerminated([...pods].reverse())?.pod).toBe('p-new');
  });

  test('none terminated, or no pods: undefined', () => {
    expect(newestTerminated([pod('p', undefined, undefined)])).toBeUndefined();
    expect(newestTerminated([])).toBeUndefined();
  });
});

describe('parsing the report', () => {
  test('the probe line, alone or as the last line', () => {
    const line = JSON.stringify(report(['gvisor']));
    expect(parseReport(line)).toEqual(report(['gvisor']));
    expect(parseReport(`some output\n${line}\n`)).toEqual(report(['gvisor']));
  });

  test.each([
    ['no message', null],
    ['not JSON', 'Error: out of memory'],
    ['another program', JSON.stringify({ probe: 'other', version: 1, ok: true, checks: [] })],
    ['another version', JSON.stringify({ ...report(), version: 2 })],
    ['a malformed check', JSON.stringify({ ...report(), checks: [{ name: 'x', ok: 'yes' }] })],
  ])('%s: null', (_what, message) => {
    expect(parseReport(message)).toBeNull();
  });
});

describe('readPosture and runPosture with an injected API', () => {
  test('GIVEN a recorded probe that passed THEN exit 0 and the record joined with the report', async () => {
    const api = new FakeApi(
      { [`${NS}/eval-swe-0001-posture`]: withProbe() },
      {},
      {
        [`${NS} batch.kubernetes.io/job-name=conformance-probe`]: [
          pod(
            'conformance-probe-old',
            '2030-01-01T00:01:00Z',
            JSON.stringify(report(['gvisor'])),
            1,
          ),
          pod('conformance-probe-new', '2030-01-01T00:02:00Z', JSON.stringify(report())),
        ],
      },
    );
    const r = await run(api);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc)).toEqual(['record', 'probe']);
    expect(doc.record).toEqual(recordOf(withProbe()));
    expect(doc.probe).toEqual({
      job: 'conformance-probe',
      pod: 'conformance-probe-new',
      finishedAt: '2030-01-01T00:02:00Z',
      exitCode: 0,
      report: report(),
      ok: true,
    });
    expect(Object.keys(doc.probe)).toEqual([
      'job',
      'pod',
      'finishedAt',
      'exitCode',
      'report',
      'ok',
    ]);
    expect(api.calls).not.toContain(`job ${NS}/eval-swe-0001`);
  });

  test('GIVEN a probe that failed THEN exit 1 naming the failing checks', async () => {
    const api = new FakeApi(
      { [`${NS}/eval-swe-0001-posture`]: withProbe() },
      {},
      {
        [`${NS} batch.kubernetes.io/job-name=conformance-probe`]: [
          pod('cp-1', '2030-01-01T00:01:00Z', JSON.stringify(report(['gvisor', 'non-root'])), 1),
        ],
      },
    );
    const r = await run(api);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).probe.ok).toBe(false);
    expect(r.err).toMatch(
      new RegExp(`^${NS}/eval-swe-0001: probe pod ${NS}/cp-1 failed: gvisor, non-root;`),
    );
  });

  test('GIVEN a report that says ok but a non-zero exit THEN not ok, exit 1', async () => {
    const api = new FakeApi(
      { [`${NS}/eval-swe-0001-posture`]: withProbe() },
      {},
      {
        [`${NS} batch.kubernetes.io/job-name=conformance-probe`]: [
          pod('cp-1', '2030-01-01T00:01:00Z', JSON.stringify(report()), 137),
        ],
      },
    );
    const r = await run(api);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/failed \(exit 137\)/);
  });

  test('GIVEN an unreadable termination message THEN report null, exit 1', async () => {
    const api = new FakeApi(
      { [`${NS}/eval-swe-0001-posture`]: withProbe() },
      {},
      { [`${NS} job-name=conformance-probe`]: [pod('cp-1', '2030-01-01T00:01:00Z', 'OOMKilled')] },
    );
    const r = await run(api);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).probe).toMatchObject({ pod: 'cp-1', report: null, ok: false });
    expect(r.err).toMatch(/left no readable report in its termination message; read its log/);
    // The legacy job-name label was tried after the batch.kubernetes.io one found nothing.
    expect(api.calls).toEqual([
      `configmap ${NS}/eval-swe-0001-posture`,
      `pods ${NS} batch.kubernetes.io/job-name=conformance-probe`,
      `pods ${NS} job-name=conformance-probe`,
    ]);
  });

  test('GIVEN no recorded probe and an evaluation Job running the probe image THEN its own pods', async () => {
    const api = new FakeApi(
      { [`${NS}/eval-swe-0001-posture`]: CONFIG_MAP },
      { [`${NS}/eval-swe-0001`]: JOB },
      {
        [`${NS} batch.kubernetes.io/job-name=eval-swe-0001`]: [
          pod('eval-swe-0001-x', '2030-01-01T00:01:00Z', JSON.stringify(report())),
        ],
      },
    );
    const r = await run(api);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).probe).toMatchObject({ job: 'eval-swe-0001', ok: true });
  });

  test('GIVEN no probe recorded or run THEN exit 0, probe null, a note on stderr', async () => {
    const api = new FakeApi(
      { [`${NS}/eval-swe-0001-posture`]: CONFIG_MAP },
      { [`${NS}/eval-swe-0001`]: agentJob() },
    );
    const r = await run(api);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).probe).toBeNull();
    expect(r.err).toMatch(
      /note: no conformance probe recorded or run; add a SandboxConformanceProbe/,
    );
  });

  test('GIVEN a recorded probe that has not finished THEN exit 0, probe null, a note', async () => {
    const api = new FakeApi(
      { [`${NS}/eval-swe-0001-posture`]: withProbe() },
      {},
      {
        [`${NS} batch.kubernetes.io/job-name=conformance-probe`]: [pod('cp', undefined, undefined)],
      },
    );
    const r = await run(api);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).probe).toBeNull();
    expect(r.err).toMatch(
      /probe Job .*\/conformance-probe has not finished \(1 pod\(s\), none terminated\)/,
    );
  });

  test('GIVEN no record THEN exit 1 naming namespace/job and the fix, nothing on stdout', async () => {
    const r = await run(new FakeApi());
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(
      new RegExp(
        `^${NS}/eval-swe-0001: no posture record \\(ConfigMap ${NS}/eval-swe-0001-posture not found\\); .*apply the chart`,
      ),
    );
  });

  test('GIVEN a record that breaks the schema THEN exit 1 with the schema errors', async () => {
    const cm = clone(CONFIG_MAP);
    const record = recordOf(cm);
    record.runtime.handler = 7;
    delete record.image;
    cm.data[POSTURE_RECORD_KEY] = JSON.stringify(record);
    const r = await run(new FakeApi({ [`${NS}/eval-swe-0001-posture`]: cm }));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /does not follow schemas\/posture-record\.v1\.json: .*\/runtime\/handler must be string,null/,
    );
    expect(r.err).toMatch(/must have required property 'image'/);
  });

  test('GIVEN a ConfigMap without posture.json, or with text that is not JSON THEN exit 1', async () => {
    const empty = clone(CONFIG_MAP);
    empty.data = {};
    expect((await run(new FakeApi({ [`${NS}/eval-swe-0001-posture`]: empty }))).err).toMatch(
      /has no key posture\.json/,
    );
    const text = clone(CONFIG_MAP);
    text.data[POSTURE_RECORD_KEY] = '{';
    const r = await run(new FakeApi({ [`${NS}/eval-swe-0001-posture`]: text }));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is not JSON/);
  });

  test('GIVEN an API error (403) THEN exit 2: the posture could not be read', async () => {
    const api: PostureApi = {
      getConfigMap: async () => {
        throw new PostureApiError(
          'reading configmap x: HTTP 403 forbidden; your identity may not read it',
        );
      },
      getJob: async () => undefined,
      listPods: async () => [],
    };
    const r = await run(api);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^sbx-swe-0001\/eval-swe-0001: reading configmap x: HTTP 403/);
  });

  test('a malformed target or output format is a usage error (exit 2), before any API call', async () => {
    const api = new FakeApi();
    expect((await run(api, 'eval-swe-0001')).code).toBe(2);
    expect((await run(api, 'a/b/c')).code).toBe(2);
    expect((await run(api, undefined, 'yaml')).code).toBe(2);
    expect(api.calls).toEqual([]);
    expect(parseTarget('sbx-1/eval-1')).toEqual({ namespace: 'sbx-1', job: 'eval-1' });
  });

  test('readPosture validates with the injected validator', async () => {
    const api = new FakeApi(
      { [`${NS}/eval-swe-0001-posture`]: CONFIG_MAP },
      { [`${NS}/eval-swe-0001`]: agentJob() },
    );
    const r = await readPosture(NS, 'eval-swe-0001', api, () => ['/x is wrong']);
    expect(r.exitCode).toBe(1);
    expect(r.notes[0]).toMatch(/: \/x is wrong;/);
  });
});

describe('the text summary', () => {
  test('runtime, egress allowlist, limits, deadline, image digest, pack version, probe verdict', async () => {
    const api = new FakeApi(
      { [`${NS}/eval-swe-0001-posture`]: withProbe() },
      {},
      {
        [`${NS} batch.kubernetes.io/job-name=conformance-probe`]: [
          pod('cp-1', '2030-01-01T00:01:00Z', JSON.stringify(report(['gvisor'])), 1),
        ],
      },
    );
    const r = await run(api, undefined, 'text');
    expect(r.code).toBe(1);
    const record = recordOf(CONFIG_MAP);
    const egress = record.network.egress[0];
    expect(r.out).toContain(`runtime: ${record.runtime.runtimeClassName} (handler runsc)`);
    expect(r.out).toContain(`egress: default deny; allowed: ${egress.cidr}`);
    // The record's sandbox has no allowClusterDns: the text says so, and never "(plus DNS)".
    expect(record.network.dns).toBeNull();
    expect(r.out).toMatch(/^egress: .*; no DNS$/m);
    expect(r.out).toContain(
      `limits: cpu ${record.limits.cpu.quantity}, memory ${record.limits.memory.quantity}`,
    );
    expect(r.out).toContain(`deadline: ${record.deadlineSeconds}s`);
    expect(r.out).toContain(`image: ${record.image.digest}`);
    expect(r.out).toContain(`policy pack: eval-sandbox ${record.policyPack.version}`);
    expect(r.out).toContain(
      'probe: FAILED (pod cp-1, finished 2030-01-01T00:01:00Z, 3/4 checks passed, exit 1)',
    );
    expect(r.out).toContain('  failed gvisor: gvisor not as expected');
  });

  test('no probe, and a record without network', () => {
    const record = recordOf(CONFIG_MAP);
    record.network = null;
    const text = textSummary({ record, probe: null });
    expect(text).toContain('egress: not recorded');
    expect(text).toContain('probe: none recorded or not finished');
  });
});

describe('the shipped schema and the built CLI', () => {
  test('the schema is found upwards from the module, as in the package', () => {
    expect(postureSchemaFile()).toBe(path.join(ROOT, 'schemas', 'posture-record.v1.json'));
    expect(validate(recordOf(CONFIG_MAP))).toEqual([]);
  });

  function cli(...args: string[]) {
    if (!fs.existsSync(path.join(ROOT, 'lib', 'cli', 'posture.js'))) {
      throw new Error(
        'lib/cli/posture.js is missing: run `npm run build` first (npm test does it for you)',
      );
    }
    return spawnSync(process.execPath, [BIN, 'posture', ...args], { encoding: 'utf8' });
  }

  test('without a target: usage error, exit 2', () => {
    const r = cli();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/missing required argument 'target'/);
  });

  test('an unreadable kubeconfig: exit 2, naming the file and the fix', () => {
    const missing = path.join(ROOT, 'no-such-kubeconfig');
    const r = cli('sbx-a/eval-a', '--kubeconfig', missing);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`kubeconfig ${missing}: cannot be read (ENOENT); pass --kubeconfig`);
  });
});
