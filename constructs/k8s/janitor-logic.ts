/**
 * What the sandbox janitor does with each sandbox namespace, as a pure function of what it lists.
 * The CronJob's shell script (`janitor.sh`) implements the same table; a test runs both on the
 * same inputs and compares.
 *
 * Timestamps are compared as Kubernetes writes them (`YYYY-MM-DDTHH:MM:SSZ`, always UTC), which
 * sort as strings; an expiry annotation in any other form is ignored (kept, with a reason), never
 * guessed at.
 */
import {
  EVALUATION_ID_LABEL,
  SANDBOX_EXPIRES_AT_ANNOTATION,
  SANDBOX_FAILED_AT_ANNOTATION,
  SANDBOX_NAMESPACE_LABEL,
  SANDBOX_NAMESPACE_LABEL_VALUE,
  SANDBOX_OUTCOME_FAILED,
  SANDBOX_OUTCOME_LABEL,
} from '../shared/labels';
import { SANDBOX_NAMESPACE_PREFIX } from '../shared/platform';

/** The fields of a Namespace the janitor reads. */
export interface JanitorNamespace {
  readonly metadata: {
    readonly name: string;
    readonly creationTimestamp: string;
    readonly deletionTimestamp?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
}

/** The fields of a Job the janitor reads. */
export interface JanitorJob {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels?: Record<string, string>;
  };
  readonly status?: {
    readonly conditions?: { type: string; status: string; lastTransitionTime?: string }[];
  };
}

/** Tunables of {@link decide}. */
export interface JanitorOptions {
  /** A sandbox with no evaluation Job is deleted once it is this old (the Job was removed by its TTL, or never came). */
  readonly gracePeriodSeconds: number;
  /** A failed sandbox is kept this long after the janitor marked it, with its logs and posture record. */
  readonly deadLetterRetentionSeconds: number;
}

/** The janitor's defaults: one hour of grace, seven days of dead-letter retention. */
export const DEFAULT_JANITOR_OPTIONS: JanitorOptions = {
  gracePeriodSeconds: 3600,
  deadLetterRetentionSeconds: 7 * 24 * 3600,
};

export type JanitorAction = 'delete' | 'mark-failed' | 'keep';

/** One decision. */
export interface JanitorDecision {
  readonly namespace: string;
  readonly action: JanitorAction;
  readonly reason: string;
}

const TIMESTAMP = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$/;

/** `date` as Kubernetes writes timestamps: `YYYY-MM-DDTHH:MM:SSZ`. */
export function kubeTimestamp(date: Date): string {
  return date.toISOString().replace(/\.[0-9]{3}Z$/, 'Z');
}

function before(now: Date, seconds: number): string {
  return kubeTimestamp(new Date(now.getTime() - seconds * 1000));
}

/** Whether `ns` is a sandbox: the marker label and the name prefix (admission requires both). */
export function isSandbox(ns: JanitorNamespace): boolean {
  return (
    ns.metadata.labels?.[SANDBOX_NAMESPACE_LABEL] === SANDBOX_NAMESPACE_LABEL_VALUE &&
    ns.metadata.name.startsWith(SANDBOX_NAMESPACE_PREFIX)
  );
}

function condition(job: JanitorJob, type: string) {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/**
 * Decides, for each sandbox namespace in `namespaces` (others are ignored), whether to delete it,
 * mark it failed, or keep it. Evaluation Jobs are the Jobs carrying the evaluation-id label.
 * The first rule that applies wins:
 *
 * 1. being deleted already → keep;
 * 2. `expires-at` passed → delete (in another form → keep, reason says so);
 * 3. a Job still running → keep;
 * 4. a Job failed and the namespace is not marked (or has no failure time) → mark-failed;
 * 5. marked failed: retention passed since `failed-at` → delete, else keep (dead letter);
 * 6. every Job complete → delete;
 * 7. no Job and older than the grace period → delete, else keep.
 *
 * @returns one decision per sandbox namespace, in name order
 */
export function decide(
  namespaces: readonly JanitorNamespace[],
  jobs: readonly JanitorJob[],
  now: Date,
  options: JanitorOptions = DEFAULT_JANITOR_OPTIONS,
): JanitorDecision[] {
  const nowStamp = kubeTimestamp(now);
  return namespaces
    .filter(isSandbox)
    .sort((a, b) =>
      a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0,
    )
    .map((ns): JanitorDecision => {
      const name = ns.metadata.name;
      const result = (action: JanitorAction, reason: string) => ({
        namespace: name,
        action,
        reason,
      });
      if (ns.metadata.deletionTimestamp) return result('keep', 'already being deleted');

      const expiresAt = ns.metadata.annotations?.[SANDBOX_EXPIRES_AT_ANNOTATION];
      if (expiresAt !== undefined) {
        if (!TIMESTAMP.test(expiresAt))
          return result('keep', 'expires-at is not YYYY-MM-DDTHH:MM:SSZ');
        if (expiresAt <= nowStamp) return result('delete', 'expired');
      }

      const own = jobs.filter(
        (j) =>
          j.metadata.namespace === name && j.metadata.labels?.[EVALUATION_ID_LABEL] !== undefined,
      );
      const running = own.filter((j) => !condition(j, 'Complete') && !condition(j, 'Failed'));
      if (running.length > 0) return result('keep', 'evaluation running');

      const marked = ns.metadata.labels?.[SANDBOX_OUTCOME_LABEL] === SANDBOX_OUTCOME_FAILED;
      const failedAt = ns.metadata.annotations?.[SANDBOX_FAILED_AT_ANNOTATION];
      const failed = own.some((j) => condition(j, 'Failed'));
      if (failed || marked) {
        if (!marked || failedAt === undefined || !TIMESTAMP.test(failedAt)) {
          return result('mark-failed', 'evaluation failed');
        }
        return failedAt <= before(now, options.deadLetterRetentionSeconds)
          ? result('delete', 'dead-letter retention passed')
          : result('keep', 'dead letter');
      }

      if (own.length > 0) return result('delete', 'evaluation complete');
      return ns.metadata.creationTimestamp <= before(now, options.gracePeriodSeconds)
        ? result('delete', 'no evaluation job after grace period')
        : result('keep', 'no evaluation job yet');
    });
}
