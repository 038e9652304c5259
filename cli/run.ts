/**
 * `eval-sandbox run SPEC`: the researcher's inner loop. Validates one Evaluation spec (the code of
 * `validate`), renders its sandbox (the code of `render`), applies it with server-side apply (every
 * object but the Job first, then the Job), streams the evaluation container's log to stdout and
 * exits with the run's result.
 *
 * The kubeconfig's identity applies everything here. In a real cluster the sandbox (namespace,
 * quota, limits, policies, identity, posture record) comes from GitOps under the platform identity
 * and only the Job is the runner's; `run` is for a cluster where one identity may do both (the
 * local one, a dev cluster).
 *
 * Exit codes: 0 the Job completed, 1 a problem in the spec, an apply the API server or an admission
 * policy refused, or the Job failed, 2 usage or cluster access (credentials, RBAC), 124 `--timeout` passed first. The API access is passed in
 * ({@link RunApi}), so the flow is tested without a cluster.
 */
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { parseAllDocuments } from 'yaml';
import { checkFiles, Evaluation, formatProblem, InputError, parseDuration } from './evaluations';
import { KubeClient, KubeObject } from './local/kube-client';
import { newestTerminated, parseReport } from './posture';

/**
 * An API answer `run` cannot act on; `status` 401/403 (or 0: unreachable) means cluster access,
 * unless `admission` says an admission policy refused the object (also a 403).
 */
export class RunApiError extends Error {
  constructor(
    message: string,
    public readonly status: number,
    public readonly admission = false,
  ) {
    super(message);
    this.name = 'RunApiError';
  }
}

/** The calls `run` makes; `undefined` for an object that does not exist. */
export interface RunApi {
  /** Server-side apply; throws {@link RunApiError} when refused. */
  apply(obj: KubeObject): Promise<void>;
  getJob(namespace: string, name: string): Promise<KubeObject | undefined>;
  /** The pods matching `labelSelector` (`key=value`). */
  listPods(namespace: string, labelSelector: string): Promise<KubeObject[]>;
  /**
   * Follows a container's log from its start (`follow=true`), passing each chunk to `onData`;
   * resolves when the log ends (the container terminated), the connection drops or `signal` aborts.
   */
  followLog(
    namespace: string,
    pod: string,
    container: string,
    onData: (chunk: Buffer) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

const FIELD_MANAGER = 'eval-sandbox-run';

/** How the API server words a refusal by a ValidatingAdmissionPolicy or an admission webhook. */
export const ADMISSION_REFUSAL =
  /ValidatingAdmissionPolicy '[^']*' with binding '[^']*' denied request|admission webhook "[^"]*" denied the request/;

function apiError(what: string, status: number, message: unknown): RunApiError {
  const text = String(message ?? '');
  const admission = status === 403 && ADMISSION_REFUSAL.test(text);
  const fix = admission
    ? 'an admission policy refused the object: the spec asks for something the cluster does not allow; ' +
      'reproduce it offline with `eval-sandbox policy check` on the rendered manifests (see ' +
      'docs/runbooks/policy-blocks-legitimate-run.md)'
    : status === 401
      ? 'the credentials were refused; refresh them (for EKS: aws sso login, or check the exec plugin)'
      : status === 403
        ? 'your identity may not do this; run needs to apply the sandbox objects and the Job, and to read Jobs, pods and pod logs'
        : 'check the object and the API server';
  return new RunApiError(`${what}: HTTP ${status} ${text}; ${fix}`, status, admission);
}

/** {@link RunApi} over a {@link KubeClient}. */
export function kubeRunApi(client: KubeClient): RunApi {
  return {
    apply: async (obj) => {
      const res = await client.apply(obj, { fieldManager: FIELD_MANAGER });
      if (res.status >= 300)
        throw apiError(
          `applying ${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name}`,
          res.status,
          res.body.message,
        );
    },
    getJob: async (ns, name) => {
      const res = await client.request('GET', `/apis/batch/v1/namespaces/${ns}/jobs/${name}`);
      if (res.status === 404) return undefined;
      if (res.status !== 200)
        throw apiError(`reading job ${ns}/${name}`, res.status, res.body.message);
      return res.body;
    },
    listPods: async (ns, labelSelector) => {
      const query = new URLSearchParams({ labelSelector });
      const res = await client.request('GET', `/api/v1/namespaces/${ns}/pods?${query}`);
      if (res.status !== 200) throw apiError(`listing pods in ${ns}`, res.status, res.body.message);
      return (res.body.items ?? []) as KubeObject[];
    },
    followLog: async (ns, pod, container, onData, signal) => {
      const query = new URLSearchParams({ container, follow: 'true' });
      const res = await client.stream(`/api/v1/namespaces/${ns}/pods/${pod}/log?${query}`, onData, {
        signal,
      });
      // 400: the container has not started (or was removed); the caller asks again.
      if (res.status !== 200 && res.status !== 400 && res.status !== 404)
        throw apiError(`reading the log of pod ${ns}/${pod}`, res.status, res.text);
    },
  };
}

/** Where `run` writes: the evaluation's log verbatim to stdout, progress and results to stderr. */
export interface RunIo {
  /** Raw stdout (the log, as it arrives). */
  readonly write: (chunk: string) => void;
  /** One line on stderr. */
  readonly err: (line: string) => void;
}

/** Options of `eval-sandbox run`. */
export interface RunOptions {
  /** A duration (`90m`); default: the spec's timeout plus {@link TIMEOUT_GRACE_SECONDS}. */
  readonly timeout?: string;
}

/** What `run` waits beyond the spec's timeout by default (pulling the image, scheduling). */
export const TIMEOUT_GRACE_SECONDS = 300;

/** The clock and the API; tests pass fakes. */
export interface RunDeps {
  readonly connect: () => Promise<RunApi>;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** How often Job and pods are read while waiting. */
  readonly pollMs?: number;
}

/** The Job's terminal condition (`Complete` or `Failed`, status True), if any. */
export function terminalCondition(job: KubeObject | undefined): KubeObject | undefined {
  return ((job?.status?.conditions ?? []) as KubeObject[]).find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

/** The objects of a rendered sandbox in apply order: everything but Jobs (as rendered), then Jobs. */
export function applyOrder(manifest: string): KubeObject[] {
  const objects = parseAllDocuments(manifest)
    .map((d) => d.toJSON() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
  const namespaces = objects.filter((o) => o.kind === 'Namespace');
  const rest = objects.filter((o) => o.kind !== 'Namespace' && o.kind !== 'Job');
  return [...namespaces, ...rest, ...objects.filter((o) => o.kind === 'Job')];
}

/** Loads SPEC: exactly one Evaluation, valid. Returns it, or the exit code (problems printed). */
export function loadOne(file: string, io: RunIo): Evaluation | number {
  let text: string;
  try {
    if (fs.statSync(file).isDirectory()) {
      io.err(`error: ${file} is a folder; run takes one spec file (render takes folders)`);
      return 2;
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    io.err(`error: ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    return 2;
  }
  const count = parseAllDocuments(text).filter((d) => d.contents !== null).length;
  if (count !== 1) {
    io.err(
      `error: ${file} holds ${count} documents; run takes exactly one Evaluation ` +
        '(split the file, or use validate/render for several)',
    );
    return 2;
  }
  let result;
  try {
    result = checkFiles([file]);
  } catch (err) {
    if (err instanceof InputError) {
      io.err(`error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  for (const p of result.problems) io.err(formatProblem(p));
  if (result.problems.length > 0) {
    io.err(
      `${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}; nothing applied`,
    );
    return 1;
  }
  return result.evaluations[0];
}

class TimedOut extends Error {}

/** Prints the result of a finished Job; returns the exit code. */
function report(ns: string, name: string, cond: KubeObject, pods: KubeObject[], io: RunIo): number {
  if (cond.type === 'Complete') {
    io.err(`[run] Job ${ns}/${name} completed`);
    return 0;
  }
  io.err(
    `[run] Job ${ns}/${name} failed: ${String(cond.reason ?? 'unknown reason')}` +
      (cond.message ? `: ${String(cond.message)}` : ''),
  );
  const last = newestTerminated(pods);
  if (last) {
    io.err(`[run] pod ${last.pod} exited ${last.exitCode ?? 'unknown'}; termination message:`);
    io.err(last.message?.trim() || '(none)');
    const probe = parseReport(last.message);
    for (const c of probe?.checks.filter((x) => !x.ok) ?? [])
      io.err(`[run] failed check ${c.name}: ${c.detail}`);
  }
  return 1;
}

/** The evaluation container's state in `pod`: waiting, running or terminated. */
function containerState(pod: KubeObject, container: string): KubeObject | undefined {
  const statuses = (pod.status?.containerStatuses ?? []) as KubeObject[];
  return statuses.find((s) => s.name === container)?.state;
}

/**
 * Waits for the Job to finish, streaming each of its pods' evaluation container logs (in creation
 * order, each once, from its start) to stdout. Returns the exit code.
 */
async function follow(
  api: RunApi,
  ns: string,
  name: string,
  container: string,
  deadline: number,
  io: RunIo,
  now: () => number,
  sleep: (ms: number) => Promise<void>,
  pollMs: number,
): Promise<number> {
  const printed = new Map<string, { bytes: number; done: boolean }>();
  const seen = new Map<string, string>();
  const selector = `batch.kubernetes.io/job-name=${name}`;
  for (;;) {
    if (now() >= deadline) throw new TimedOut();
    const job = await api.getJob(ns, name);
    if (!job) {
      io.err(`[run] Job ${ns}/${name} disappeared (deleted, or removed after its TTL)`);
      return 1;
    }
    const cond = terminalCondition(job);
    const pods = (await api.listPods(ns, selector)).sort((a, b) =>
      String(a.metadata?.creationTimestamp ?? '').localeCompare(
        String(b.metadata?.creationTimestamp ?? ''),
      ),
    );
    for (const pod of pods) {
      const podName = String(pod.metadata?.name);
      const state = containerState(pod, container);
      const phase = state?.terminated
        ? 'terminated'
        : state?.running
          ? 'running'
          : `${String(pod.status?.phase ?? 'Pending')}` +
            (state?.waiting?.reason ? ` (${String(state.waiting.reason)})` : '');
      if (seen.get(podName) !== phase) {
        seen.set(podName, phase);
        io.err(`[run] pod ${podName}: ${phase}`);
      }
      const entry = printed.get(podName) ?? { bytes: 0, done: false };
      printed.set(podName, entry);
      if (entry.done || !(state?.running || state?.terminated)) continue;
      const terminatedBefore = state.terminated !== undefined;
      const decoder = new StringDecoder('utf8');
      let offset = 0;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - now()));
      try {
        // Each follow starts at the log's beginning; skip what an earlier one printed.
        await api.followLog(
          ns,
          podName,
          container,
          (chunk) => {
            const skip = Math.max(0, Math.min(chunk.length, entry.bytes - offset));
            offset += chunk.length;
            if (skip < chunk.length) {
              io.write(decoder.write(chunk.subarray(skip)));
              entry.bytes = offset;
            }
          },
          controller.signal,
        );
      } finally {
        clearTimeout(timer);
        const rest = decoder.end();
        if (rest) io.write(rest);
      }
      if (controller.signal.aborted) throw new TimedOut();
      if (terminatedBefore) entry.done = true;
    }
    // The Job was finished before its pods were read: every log above is complete.
    if (cond) return report(ns, name, cond, pods, io);
    await sleep(pollMs);
  }
}

/** `eval-sandbox run SPEC`; returns the exit code. */
export async function runEvaluation(
  file: string,
  options: RunOptions,
  io: RunIo,
  deps: RunDeps,
): Promise<number> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const start = now();
  let timeoutSeconds: number;
  if (options.timeout !== undefined) {
    try {
      timeoutSeconds = parseDuration(options.timeout).toSeconds();
    } catch (err) {
      io.err(`error: --timeout: ${(err as Error).message}`);
      return 2;
    }
  }
  const evaluation = loadOne(file, io);
  if (typeof evaluation === 'number') return evaluation;
  timeoutSeconds ??=
    parseDuration(evaluation.spec.spec.timeout).toSeconds() + TIMEOUT_GRACE_SECONDS;
  const deadline = start + timeoutSeconds * 1000;
  const objects = applyOrder(evaluation.manifest);
  const job = objects.find((o) => o.kind === 'Job') as KubeObject;
  const ns = String(job.metadata.namespace);
  const name = String(job.metadata.name);
  const container = String(job.spec.template.spec.containers[0].name);
  const target = `${ns}/${name}`;

  try {
    const api = await deps.connect();
    const existing = await api.getJob(ns, name);
    const cond = terminalCondition(existing);
    if (existing && cond) {
      io.err(
        `[run] Job ${target} already ran (${String(cond.type)}); not applying again. ` +
          `To run it again: kubectl delete namespace ${ns}, then run this again`,
      );
      const pods = await api.listPods(ns, `batch.kubernetes.io/job-name=${name}`);
      return report(ns, name, cond, pods, io);
    }
    if (existing) {
      io.err(`[run] Job ${target} is already running; following it (nothing applied)`);
    } else {
      for (const obj of objects) {
        const at = obj.metadata?.namespace ? `${String(obj.metadata.namespace)}/` : '';
        io.err(`[run] applying ${String(obj.kind)} ${at}${String(obj.metadata?.name)}`);
        await api.apply(obj);
      }
    }
    io.err(`[run] waiting for Job ${target} (timeout ${timeoutSeconds}s)`);
    return await follow(api, ns, name, container, deadline, io, now, sleep, deps.pollMs ?? 2000);
  } catch (err) {
    if (err instanceof TimedOut) {
      io.err(
        `[run] timed out after ${timeoutSeconds}s; Job ${target} was not finished. It keeps running until ` +
          `its activeDeadlineSeconds; run this again to follow it, or kubectl delete namespace ${ns}`,
      );
      return 124;
    }
    if (err instanceof RunApiError) {
      io.err(`[run] ${err.message}`);
      if (err.admission) return 1;
      return err.status === 401 || err.status === 403 || err.status === 0 ? 2 : 1;
    }
    io.err(`[run] ${target}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
