import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeObject } from '../../cli/local/kube-client';
import { applyOrder, kubeRunApi, RunApi, RunApiError, runEvaluation } from '../../cli/run';
import { checkFiles } from '../../cli/evaluations';

const IMAGE = `registry.example.com/tasks/t@sha256:${'a'.repeat(64)}`;
const NS = 'sbx-t-0001';
const JOB = 'eval-t-0001';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-test-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function spec(text?: string): string {
  const file = path.join(dir, 'spec.yaml');
  fs.writeFileSync(
    file,
    text ??
      [
        'apiVersion: eval-sandbox.dev/v1alpha1',
        'kind: Evaluation',
        'metadata: { name: t-0001 }',
        'spec:',
        `  image: ${IMAGE}`,
        "  resources: { cpu: '1', memory: 1Gi, ephemeralStorage: 1Gi }",
        '  timeout: 1h',
        '',
      ].join('\n'),
  );
  return file;
}

const condition = (type: string, reason?: string, message?: string) => ({
  status: { conditions: [{ type, status: 'True', reason, message }] },
});
const RUNNING = { status: { active: 1 } };

function pod(name: string, state: KubeObject, message?: string): KubeObject {
  if (state.terminated && message !== undefined) state.terminated.message = message;
  return {
    metadata: { name, creationTimestamp: '2026-01-01T00:00:00Z' },
    status: { phase: 'Running', containerStatuses: [{ name: 'evaluation', state }] },
  };
}

interface Script {
  /** The Job before anything is applied (a re-run). */
  existing?: KubeObject;
  /** The Job on each read after apply (the last one repeats). */
  job: KubeObject[];
  /** The pods on each list (the last one repeats). */
  pods: KubeObject[][];
  /** Each followLog call's chunks, in order (the last one repeats). */
  logs?: string[][];
  /** Throws on applying this kind. */
  refuse?: { kind: string; status: number };
}

/** A fake API that records what it was asked, in order. */
function fake(script: Script) {
  const calls: string[] = [];
  let applied = false;
  let jobReads = 0;
  let podLists = 0;
  let follows = 0;
  const at = <T>(list: T[], i: number): T => list[Math.min(i, list.length - 1)];
  const api: RunApi = {
    apply: async (obj) => {
      calls.push(`apply ${obj.kind} ${obj.metadata.name}`);
      const refuse = script.refuse;
      if (refuse && refuse.kind === obj.kind)
        throw new RunApiError(`applying ${obj.kind}: refused`, refuse.status);
      if (obj.kind === 'Job') applied = true;
    },
    getJob: async (ns, name) => {
      calls.push(`get job ${ns}/${name}`);
      if (!applied) return script.existing;
      return { metadata: { name }, ...at(script.job, jobReads++) };
    },
    listPods: async (ns, selector) => {
      calls.push(`list pods ${ns} ${selector}`);
      return structuredClone(at(script.pods, podLists++));
    },
    followLog: async (ns, p, container, onData) => {
      calls.push(`follow ${ns}/${p} ${container}`);
      for (const chunk of at(script.logs ?? [['']], follows++)) onData(Buffer.from(chunk));
    },
  };
  return { api, calls };
}

async function run(file: string, script: Script, options: { timeout?: string } = {}) {
  const f = fake(script);
  let stdout = '';
  const stderr: string[] = [];
  let clock = 0;
  let connected = false;
  const code = await runEvaluation(
    file,
    options,
    { write: (c) => (stdout += c), err: (l) => stderr.push(l) },
    {
      connect: async () => {
        connected = true;
        return f.api;
      },
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
      pollMs: 60_000,
    },
  );
  return { code, stdout, stderr: stderr.join('\n'), calls: f.calls, connected, clock };
}

describe('eval-sandbox run', () => {
  test('applies the sandbox objects first and the Job last, streams the log, exits 0 when the Job completes', async () => {
    // GIVEN a Job that runs one pod and completes
    const r = await run(spec(), {
      job: [RUNNING, condition('Complete')],
      pods: [[pod('p1', { running: {} })], [pod('p1', { terminated: { exitCode: 0 } })]],
      logs: [['hello '], ['hello world\n']],
    });
    // THEN
    expect(r.code).toBe(0);
    const applies = r.calls.filter((c) => c.startsWith('apply'));
    const rendered = applyOrder(checkFiles([spec()]).evaluations[0].manifest);
    expect(applies).toEqual(rendered.map((o) => `apply ${o.kind} ${o.metadata.name}`));
    expect(applies[0]).toBe(`apply Namespace ${NS}`);
    expect(applies.at(-1)).toBe(`apply Job ${JOB}`);
    expect(applies.filter((c) => c.startsWith('apply Job'))).toHaveLength(1);
    expect(applies).toEqual(
      expect.arrayContaining([
        'apply ConfigMap eval-t-0001-posture',
        'apply NetworkPolicy default-deny-all',
        'apply ServiceAccount evaluator',
      ]),
    );
    // The log arrives once, though the stream was followed twice (the first follow dropped).
    expect(r.stdout).toBe('hello world\n');
    expect(r.calls).toContain(`follow ${NS}/p1 evaluation`);
    expect(r.calls).toContain(`list pods ${NS} batch.kubernetes.io/job-name=${JOB}`);
    expect(r.stderr).toContain(`[run] Job ${NS}/${JOB} completed`);
    expect(r.stderr.split('\n').every((l) => l.startsWith('[run] '))).toBe(true);
  });

  test('a failed Job exits 1 with the failure condition, the termination message and the failing checks', async () => {
    const report = JSON.stringify({
      probe: 'eval-sandbox-conformance',
      version: 1,
      ok: false,
      checks: [
        { name: 'gvisor', ok: true, detail: 'runsc' },
        { name: 'allowed:10.30.0.10:443', ok: false, detail: 'connect: timed out' },
      ],
    });
    const r = await run(spec(), {
      job: [
        condition('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
      ],
      pods: [
        [pod('p1', { terminated: { exitCode: 1, finishedAt: '2026-01-01T00:01:00Z' } }, report)],
      ],
      logs: [[`${report}\n`]],
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${report}\n`);
    expect(r.stderr).toContain(
      `[run] Job ${NS}/${JOB} failed: BackoffLimitExceeded: Job has reached the specified backoff limit`,
    );
    expect(r.stderr).toContain('[run] pod p1 exited 1; termination message:');
    expect(r.stderr).toContain(report);
    expect(r.stderr).toContain('[run] failed check allowed:10.30.0.10:443: connect: timed out');
    expect(r.stderr).not.toContain('failed check gvisor');
  });

  test('times out with 124 after --timeout, without a result', async () => {
    const r = await run(
      spec(),
      { job: [RUNNING], pods: [[pod('p1', { waiting: { reason: 'ContainerCreating' } })]] },
      { timeout: '5m' },
    );
    expect(r.code).toBe(124);
    expect(r.clock).toBeGreaterThanOrEqual(300_000);
    expect(r.clock).toBeLessThan(300_000 + 60_000);
    expect(r.stderr).toContain('[run] pod p1: Running (ContainerCreating)');
    expect(r.stderr).toMatch(/\[run\] timed out after 300s; Job sbx-t-0001\/eval-t-0001/);
    expect(r.calls.some((c) => c.startsWith('follow'))).toBe(false);
  });

  test("the default timeout is the spec's timeout plus 5 minutes", async () => {
    const r = await run(spec(), { job: [RUNNING], pods: [[]] });
    expect(r.code).toBe(124);
    expect(r.stderr).toContain('(timeout 3900s)');
    expect(r.clock).toBeGreaterThanOrEqual(3_900_000);
    expect(r.clock).toBeLessThan(3_960_000);
  });

  test('an invalid spec prints its problems, exits 1 and never reaches the cluster', async () => {
    const r = await run(
      spec(fs.readFileSync(spec(), 'utf8').replace('timeout: 1h', 'timeout: 1y')),
      {
        job: [RUNNING],
        pods: [[]],
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/spec\.yaml:7:12: spec\.timeout: /);
    expect(r.stderr).toContain('nothing applied');
    expect(r.connected).toBe(false);
  });

  test.each([0, 2])('a file with %i documents is a usage error naming the count', async (count) => {
    const one = fs.readFileSync(spec(), 'utf8');
    const text = count === 0 ? '# nothing\n' : `${one}---\n${one.replace(/t-0001/, 't-0002')}`;
    const r = await run(spec(text), { job: [RUNNING], pods: [[]] });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`holds ${count} documents; run takes exactly one Evaluation`);
    expect(r.connected).toBe(false);
  });

  test('a missing spec file and a malformed --timeout are usage errors', async () => {
    expect((await run(path.join(dir, 'nope.yaml'), { job: [RUNNING], pods: [[]] })).code).toBe(2);
    const r = await run(spec(), { job: [RUNNING], pods: [[]] }, { timeout: 'soon' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--timeout: 'soon' is not a duration");
    expect(r.connected).toBe(false);
  });

  test.each([
    ['Complete', 0],
    ['Failed', 1],
  ])(
    'a re-run of a Job that already finished (%s) applies nothing and exits %i',
    async (type, code) => {
      const r = await run(spec(), {
        existing: condition(type, type === 'Failed' ? 'DeadlineExceeded' : undefined),
        job: [RUNNING],
        pods: [[pod('p1', { terminated: { exitCode: code } }, '')]],
      });
      expect(r.code).toBe(code);
      expect(r.calls.some((c) => c.startsWith('apply'))).toBe(false);
      expect(r.calls.some((c) => c.startsWith('follow'))).toBe(false);
      expect(r.stderr).toContain(`already ran (${type}); not applying again`);
      expect(r.stderr).toContain(`kubectl delete namespace ${NS}`);
    },
  );

  test('a re-run of a running Job follows it without applying', async () => {
    const f = fake({
      existing: RUNNING,
      job: [],
      pods: [[pod('p1', { terminated: { exitCode: 0 } })]],
      logs: [['done\n']],
    });
    // The Job exists, so reads after the first see it finish.
    let reads = 0;
    const getJob = f.api.getJob;
    f.api.getJob = async (ns, name) => {
      await getJob(ns, name);
      return reads++ === 0 ? RUNNING : condition('Complete');
    };
    let stdout = '';
    const stderr: string[] = [];
    const code = await runEvaluation(
      spec(),
      {},
      { write: (c) => (stdout += c), err: (l) => stderr.push(l) },
      { connect: async () => f.api, sleep: async () => undefined },
    );
    expect(code).toBe(0);
    expect(f.calls.some((c) => c.startsWith('apply'))).toBe(false);
    expect(stdout).toBe('done\n');
    expect(stderr).toContain(
      `[run] Job ${NS}/${JOB} is already running; following it (nothing applied)`,
    );
  });

  test.each([
    [422, 1],
    [403, 2],
  ])('an apply refused with HTTP %i stops before the Job and exits %i', async (status, code) => {
    const r = await run(spec(), {
      job: [RUNNING],
      pods: [[]],
      refuse: { kind: 'ServiceAccount', status },
    });
    expect(r.code).toBe(code);
    expect(r.calls.at(-1)).toBe('apply ServiceAccount evaluator');
    expect(r.calls.some((c) => c === `apply Job ${JOB}`)).toBe(false);
    expect(r.stderr).toContain('[run] applying ServiceAccount: refused');
  });

  test.each([
    [
      'an admission policy (403 with the policy named)',
      `jobs.batch "eval-x" is forbidden: ValidatingAdmissionPolicy 'eval-sandbox-r7-bounded-runtime' with binding 'eval-sandbox-r7-bounded-runtime' denied request: spec.activeDeadlineSeconds: over 86400`,
      true,
      /an admission policy refused the object.*eval-sandbox policy check/,
    ],
    [
      'RBAC (403 naming the user)',
      'jobs.batch is forbidden: User "alice" cannot create resource "jobs" in API group "batch"',
      false,
      /your identity may not do this/,
    ],
  ])('a refusal by %s is told apart from the others', async (_what, message, admission, fix) => {
    const client = {
      apply: async () => ({ status: 403, body: { message } }),
    } as unknown as Parameters<typeof kubeRunApi>[0];
    const err = await kubeRunApi(client)
      .apply({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'eval-x', namespace: 'sbx-x' },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(RunApiError);
    expect((err as RunApiError).admission).toBe(admission);
    expect((err as RunApiError).message).toMatch(fix);
  });

  test('an apply an admission policy refused exits 1 (a problem of the spec), not 2', async () => {
    const f = fake({ job: [RUNNING], pods: [[]] });
    f.api.apply = async (obj) => {
      if (obj.kind === 'Job') throw new RunApiError('applying Job: refused by policy', 403, true);
    };
    const code = await runEvaluation(
      spec(),
      {},
      { write: () => undefined, err: () => undefined },
      { connect: async () => f.api, sleep: async () => undefined },
    );
    expect(code).toBe(1);
  });

  test('a Job that disappears while followed exits 1', async () => {
    const f = fake({ job: [RUNNING], pods: [[]] });
    f.api.getJob = async () => undefined;
    const stderr: string[] = [];
    // Before apply the Job is absent (a new run); after apply it is still absent: deleted.
    const code = await runEvaluation(
      spec(),
      {},
      { write: () => undefined, err: (l) => stderr.push(l) },
      { connect: async () => f.api, sleep: async () => undefined },
    );
    expect(code).toBe(1);
    expect(stderr.join('\n')).toContain('disappeared');
  });
});
