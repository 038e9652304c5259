/**
 * `eval-sandbox posture <namespace>/<job>`: an evaluation's posture record (the ConfigMap
 * `<job>-posture`, validated against schemas/posture-record.v1.json) joined with the result of its
 * conformance probe (the termination message of the newest finished probe pod). The API access is
 * passed in ({@link PostureApi}), so everything but the HTTP calls is tested without a cluster.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { POSTURE_RECORD_KEY } from '../constructs/k8s/posture-record';
import { PROBE_IMAGE_REPOSITORY } from '../constructs/shared/probe-image';
import { KubeClient, KubeObject } from './local/kube-client';

/** The reads `posture` makes; `undefined` for an object that does not exist. */
export interface PostureApi {
  getConfigMap(namespace: string, name: string): Promise<KubeObject | undefined>;
  getJob(namespace: string, name: string): Promise<KubeObject | undefined>;
  /** The pods matching `labelSelector` (`key=value`). */
  listPods(namespace: string, labelSelector: string): Promise<KubeObject[]>;
}

/** An API answer other than success or 404; `posture` cannot tell what the evaluation ran under. */
export class PostureApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostureApiError';
  }
}

/** {@link PostureApi} over a {@link KubeClient}. */
export function kubePostureApi(client: KubeClient): PostureApi {
  const get = async (what: string, urlPath: string): Promise<KubeObject | undefined> => {
    const res = await client.request('GET', urlPath);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw apiError(what, res.status, res.body.message);
    return res.body;
  };
  return {
    getConfigMap: (ns, name) =>
      get(`configmap ${ns}/${name}`, `/api/v1/namespaces/${ns}/configmaps/${name}`),
    getJob: (ns, name) => get(`job ${ns}/${name}`, `/apis/batch/v1/namespaces/${ns}/jobs/${name}`),
    listPods: async (ns, labelSelector) => {
      const query = new URLSearchParams({ labelSelector });
      const res = await client.request('GET', `/api/v1/namespaces/${ns}/pods?${query}`);
      if (res.status !== 200) throw apiError(`pods in ${ns}`, res.status, res.body.message);
      return (res.body.items ?? []) as KubeObject[];
    },
  };
}

function apiError(what: string, status: number, message: unknown): PostureApiError {
  const fix =
    status === 401
      ? 'the credentials were refused; refresh them (for EKS: aws sso login, or check the exec plugin)'
      : status === 403
        ? 'your identity may not read it; ask for get on configmaps and jobs and list on pods in the namespace'
        : 'check the API server';
  return new PostureApiError(`reading ${what}: HTTP ${status} ${String(message ?? '')}; ${fix}`);
}

/** One check of a probe report. */
export interface ProbeCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** The conformance probe's report (images/probe). */
export interface ProbeReport {
  readonly probe: 'eval-sandbox-conformance';
  readonly version: 1;
  readonly ok: boolean;
  readonly checks: ProbeCheck[];
}

/** The probe half of the output. */
export interface ProbeResult {
  readonly job: string;
  readonly pod: string;
  readonly finishedAt: string | null;
  readonly exitCode: number | null;
  /** null when the termination message is not a probe report. */
  readonly report: ProbeReport | null;
  /** The report says ok, every check passed, and the container exited 0. */
  readonly ok: boolean;
}

/** What `posture` prints. */
export interface PostureOutput {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly record: Record<string, any>;
  readonly probe: ProbeResult | null;
}

/** Why a probe result is absent or failing, for stderr. */
export interface PostureResult {
  readonly output: PostureOutput | null;
  /** 0 passed or nothing to judge yet, 1 failed/unreadable/missing/invalid, 2 could not ask. */
  readonly exitCode: number;
  /** Lines for stderr. */
  readonly notes: string[];
}

/** `<namespace>/<job>` → its parts; undefined when malformed. */
export function parseTarget(target: string): { namespace: string; job: string } | undefined {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(target);
  return m ? { namespace: m[1], job: m[3] } : undefined;
}

/** Whether `image` is the conformance probe image (any tag or digest of its repository). */
export function isProbeImage(image: unknown): boolean {
  return (
    typeof image === 'string' &&
    (image === PROBE_IMAGE_REPOSITORY ||
      image.startsWith(`${PROBE_IMAGE_REPOSITORY}@`) ||
      image.startsWith(`${PROBE_IMAGE_REPOSITORY}:`))
  );
}

/**
 * The Job whose pods carry the probe report: the recorded `probe.job`, else the evaluation Job
 * itself when its first container runs the probe image, else none.
 */
export function chooseProbeJob(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  record: Record<string, any>,
  evaluationJob: KubeObject | undefined,
): string | undefined {
  if (record.probe && typeof record.probe.job === 'string') return record.probe.job;
  const image: unknown = evaluationJob?.spec?.template?.spec?.containers?.[0]?.image;
  if (evaluationJob && isProbeImage(image)) return evaluationJob.metadata?.name;
  return undefined;
}

/** A terminated container of a pod. */
export interface Terminated {
  readonly pod: string;
  readonly finishedAt: string | null;
  readonly exitCode: number | null;
  readonly message: string | null;
}

/**
 * The newest terminated container among `pods` (by `finishedAt`, then the pod's creation time, then
 * its name, so the choice is stable), or undefined when none has terminated.
 */
export function newestTerminated(pods: KubeObject[]): Terminated | undefined {
  const candidates: (Terminated & { created: string })[] = [];
  for (const pod of pods) {
    for (const status of (pod.status?.containerStatuses ?? []) as KubeObject[]) {
      const t: KubeObject | undefined = status.state?.terminated;
      if (!t) continue;
      candidates.push({
        pod: String(pod.metadata?.name ?? ''),
        created: String(pod.metadata?.creationTimestamp ?? ''),
        finishedAt: typeof t.finishedAt === 'string' ? t.finishedAt : null,
        exitCode: typeof t.exitCode === 'number' ? t.exitCode : null,
        message: typeof t.message === 'string' ? t.message : null,
      });
    }
  }
  const key = (c: { finishedAt: string | null; created: string; pod: string }) =>
    [Date.parse(c.finishedAt ?? '') || 0, Date.parse(c.created) || 0, c.pod] as const;
  candidates.sort((a, b) => {
    const [fa, ca, na] = key(a);
    const [fb, cb, nb] = key(b);
    return fb - fa || cb - ca || (na < nb ? 1 : na > nb ? -1 : 0);
  });
  if (candidates.length === 0) return undefined;
  const { pod, finishedAt, exitCode, message } = candidates[0];
  return { pod, finishedAt, exitCode, message };
}

/** The probe report in a termination message (its last non-empty line), or null when it is not one. */
export function parseReport(message: string | null): ProbeReport | null {
  if (!message) return null;
  const line = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .pop();
  if (!line) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  const r = parsed as Partial<ProbeReport> | null;
  if (
    !r ||
    typeof r !== 'object' ||
    r.probe !== 'eval-sandbox-conformance' ||
    r.version !== 1 ||
    typeof r.ok !== 'boolean' ||
    !Array.isArray(r.checks) ||
    !r.checks.every(
      (c) =>
        c &&
        typeof c.name === 'string' &&
        typeof c.ok === 'boolean' &&
        typeof (c as { detail?: unknown }).detail === 'string',
    )
  )
    return null;
  return {
    probe: r.probe,
    version: r.version,
    ok: r.ok,
    checks: r.checks.map((c) => ({ name: c.name, ok: c.ok, detail: c.detail })),
  };
}

/** The probe result for the newest terminated container of `job`'s pods. */
export function probeResult(job: string, newest: Terminated): ProbeResult {
  const report = parseReport(newest.message);
  return {
    job,
    pod: newest.pod,
    finishedAt: newest.finishedAt,
    exitCode: newest.exitCode,
    report,
    ok: report !== null && report.ok && report.checks.every((c) => c.ok) && newest.exitCode === 0,
  };
}

/** Validates a record against the schema; returns the problems (empty when valid). */
export type RecordValidator = (record: unknown) => string[];

/** Finds schemas/posture-record.v1.json shipped with the package, upwards from this module. */
export function postureSchemaFile(start: string = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'schemas', 'posture-record.v1.json');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir)
      throw new Error('schemas/posture-record.v1.json not found next to the package');
  }
}

/** A validator for schemas/posture-record.v1.json (ajv, draft 2020-12, strict). */
export function schemaValidator(file: string = postureSchemaFile()): RecordValidator {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  const validate = ajv.compile(JSON.parse(fs.readFileSync(file, 'utf8')) as object);
  return (record) =>
    validate(record)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

/** Reads the record, finds the probe and judges it. Never throws for a missing object. */
export async function readPosture(
  namespace: string,
  job: string,
  api: PostureApi,
  validate: RecordValidator,
): Promise<PostureResult> {
  const target = `${namespace}/${job}`;
  const configMap = `${job}-posture`;
  const cm = await api.getConfigMap(namespace, configMap);
  if (!cm)
    return {
      output: null,
      exitCode: 1,
      notes: [
        `${target}: no posture record (ConfigMap ${namespace}/${configMap} not found); ` +
          'check the namespace and Job name, and apply the chart that defines the EvaluationSandbox (it writes the record)',
      ],
    };
  const text: unknown = cm.data?.[POSTURE_RECORD_KEY];
  if (typeof text !== 'string')
    return {
      output: null,
      exitCode: 1,
      notes: [
        `${target}: ConfigMap ${namespace}/${configMap} has no key ${POSTURE_RECORD_KEY}; ` +
          're-apply the synthesized chart (it is written by PostureRecord)',
      ],
    };
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (err) {
    return {
      output: null,
      exitCode: 1,
      notes: [
        `${target}: ${POSTURE_RECORD_KEY} in ConfigMap ${namespace}/${configMap} is not JSON (${(err as Error).message}); ` +
          're-apply the synthesized chart',
      ],
    };
  }
  const problems = validate(record);
  if (problems.length > 0)
    return {
      output: null,
      exitCode: 1,
      notes: [
        `${target}: ${POSTURE_RECORD_KEY} in ConfigMap ${namespace}/${configMap} does not follow schemas/posture-record.v1.json: ` +
          `${problems.join('; ')}; re-apply the chart synthesized by this eval-sandbox version, or compare it with dist/`,
      ],
    };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const rec = record as Record<string, any>;
  const notes: string[] = [];
  if (rec.job.name !== job || (rec.job.namespace !== null && rec.job.namespace !== namespace))
    notes.push(
      `${target}: note: the record describes ${rec.job.namespace ?? '<no namespace>'}/${rec.job.name}, not ${target}`,
    );

  const evaluationJob = rec.probe ? undefined : await api.getJob(namespace, job);
  const probeJob = chooseProbeJob(rec, evaluationJob);
  if (!probeJob) {
    notes.push(
      `${target}: note: no conformance probe recorded or run` +
        (evaluationJob
          ? ''
          : ` (Job ${target} not found: not applied yet, or removed after its TTL)`) +
        '; add a SandboxConformanceProbe beside the sandbox to check the running sandbox',
    );
    return { output: { record: rec, probe: null }, exitCode: 0, notes };
  }
  let pods = await api.listPods(namespace, `batch.kubernetes.io/job-name=${probeJob}`);
  if (pods.length === 0) pods = await api.listPods(namespace, `job-name=${probeJob}`);
  const newest = newestTerminated(pods);
  if (!newest) {
    notes.push(
      `${target}: note: probe Job ${namespace}/${probeJob} has not finished` +
        (pods.length === 0
          ? ' (no pods: not run yet, or removed after its ttlSecondsAfterFinished)'
          : ` (${pods.length} pod(s), none terminated)`) +
        '; run this again once it has',
    );
    return { output: { record: rec, probe: null }, exitCode: 0, notes };
  }
  const probe = probeResult(probeJob, newest);
  if (!probe.report)
    notes.push(
      `${target}: probe pod ${namespace}/${probe.pod} (exit ${probe.exitCode ?? 'unknown'}) left no readable report in its ` +
        'termination message; read its log (kubectl logs) and check that it runs the conformance probe image',
    );
  else if (!probe.ok) {
    const failing = probe.report.checks.filter((c) => !c.ok).map((c) => c.name);
    notes.push(
      `${target}: probe pod ${namespace}/${probe.pod} failed` +
        (failing.length > 0
          ? `: ${failing.join(', ')}`
          : ` (exit ${probe.exitCode ?? 'unknown'})`) +
        '; the sandbox does not behave as its record says: fix the cluster before trusting the results',
    );
  }
  return { output: { record: rec, probe }, exitCode: probe.ok ? 0 : 1, notes };
}

/** A short human summary of `output`. */
export function textSummary(output: PostureOutput): string {
  const r = output.record;
  const lines: string[] = [];
  const ev = r.evaluation;
  lines.push(
    `evaluation ${ev.id}` +
      (ev.task ? ` task ${ev.task}` : '') +
      (ev.model ? ` model ${ev.model}` : '') +
      ` (Job ${r.job.namespace ?? '<no namespace>'}/${r.job.name})`,
  );
  lines.push(
    `runtime: ${r.runtime.runtimeClassName ?? 'none (runc)'}` +
      (r.runtime.handler ? ` (handler ${r.runtime.handler})` : ''),
  );
  if (r.network === null) lines.push('egress: not recorded (not in a SandboxNamespace)');
  else {
    const rules = (r.network.egress as KubeObject[]).map(
      (e) =>
        `${e.cidr}${e.except.length > 0 ? ` except ${e.except.join(',')}` : ''}` +
        (e.allPorts ? ' all ports' : ` ${e.protocol}/${e.ports.join(',')}`),
    );
    lines.push(
      `egress: ${r.network.defaultDenyEgress ? 'default deny' : 'NOT default deny'}; allowed: ` +
        (rules.length > 0 ? rules.join('; ') : 'none') +
        (r.network.dns ? ' (plus DNS)' : '; no DNS'),
    );
  }
  const l = r.limits;
  lines.push(
    `limits: cpu ${l.cpu.quantity}, memory ${l.memory.quantity}, ephemeral-storage ${l.ephemeralStorage.quantity}, ` +
      `scratch ${l.scratch.quantity} (${l.scratch.medium}) at ${l.scratch.path}`,
  );
  lines.push(
    `deadline: ${r.deadlineSeconds}s, backoffLimit ${r.backoffLimit}, ttl ${r.ttlSecondsAfterFinished}s`,
  );
  lines.push(`image: ${r.image.digest}`);
  lines.push(
    `policy pack: eval-sandbox ${r.policyPack.version} (${r.policyPack.rules.length} rules)`,
  );
  const p = output.probe;
  if (!p) lines.push('probe: none recorded or not finished');
  else if (!p.report)
    lines.push(`probe: UNREADABLE (pod ${p.pod}, exit ${p.exitCode ?? 'unknown'})`);
  else {
    const failing = p.report.checks.filter((c) => !c.ok);
    lines.push(
      `probe: ${p.ok ? 'PASSED' : 'FAILED'} (pod ${p.pod}, finished ${p.finishedAt ?? 'unknown'}, ` +
        `${p.report.checks.length - failing.length}/${p.report.checks.length} checks passed, exit ${p.exitCode ?? 'unknown'})`,
    );
    for (const c of failing) lines.push(`  failed ${c.name}: ${c.detail}`);
  }
  return lines.join('\n');
}

/** Options of `eval-sandbox posture`. */
export interface PostureOptions {
  readonly output: string;
}

/** Output and error lines. */
export interface PostureIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/**
 * `eval-sandbox posture <namespace>/<job>`; returns the exit code. `connect` builds the API access
 * (it reads the kubeconfig); `validate` checks the record.
 */
export async function runPosture(
  target: string,
  options: PostureOptions,
  io: PostureIo,
  connect: () => Promise<PostureApi>,
  validate: RecordValidator = schemaValidator(),
): Promise<number> {
  const parsed = parseTarget(target);
  if (!parsed) {
    io.err(
      `'${target}' is not <namespace>/<job>; for example: eval-sandbox posture sbx-swe-0001/eval-swe-0001`,
    );
    return 2;
  }
  if (options.output !== 'json' && options.output !== 'text') {
    io.err(`--output '${options.output}' is not json or text`);
    return 2;
  }
  let result: PostureResult;
  try {
    result = await readPosture(parsed.namespace, parsed.job, await connect(), validate);
  } catch (err) {
    io.err(`${target}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  if (result.output)
    io.out(
      options.output === 'text'
        ? textSummary(result.output)
        : JSON.stringify(result.output, null, 2),
    );
  for (const note of result.notes) io.err(note);
  return result.exitCode;
}
