/**
 * Sandboxes in every state the janitor distinguishes, shared by the decide() tests and the test
 * that runs janitor.sh against a fake kubectl on the same inputs.
 */
import { JanitorJob, JanitorNamespace } from '../../constructs/k8s/janitor-logic';
import {
  EVALUATION_ID_LABEL,
  SANDBOX_EXPIRES_AT_ANNOTATION,
  SANDBOX_FAILED_AT_ANNOTATION,
  SANDBOX_NAMESPACE_LABEL,
  SANDBOX_OUTCOME_LABEL,
} from '../../constructs/shared/labels';

export const NOW = new Date('2026-06-01T12:00:00Z');

/** `NOW` shifted by `seconds`, as Kubernetes writes it. */
export function at(seconds: number): string {
  return new Date(NOW.getTime() + seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

const H = 3600;
const D = 24 * H;

export interface JanitorCase {
  readonly ns: JanitorNamespace;
  readonly jobs: JanitorJob[];
  /** `undefined`: not a sandbox, no decision. */
  readonly expected?: { action: string; reason: string };
}

function ns(
  name: string,
  opts: {
    created?: string;
    deleting?: string;
    sandbox?: boolean;
    failed?: boolean;
    failedAt?: string;
    expiresAt?: string;
  } = {},
): JanitorNamespace {
  const labels: Record<string, string> = {};
  if (opts.sandbox ?? true) labels[SANDBOX_NAMESPACE_LABEL] = 'true';
  if (opts.failed) labels[SANDBOX_OUTCOME_LABEL] = 'failed';
  const annotations: Record<string, string> = {};
  if (opts.failedAt !== undefined) annotations[SANDBOX_FAILED_AT_ANNOTATION] = opts.failedAt;
  if (opts.expiresAt !== undefined) annotations[SANDBOX_EXPIRES_AT_ANNOTATION] = opts.expiresAt;
  return {
    metadata: {
      name,
      creationTimestamp: opts.created ?? at(-2 * H),
      ...(opts.deleting ? { deletionTimestamp: opts.deleting } : {}),
      labels,
      annotations,
    },
  };
}

function job(
  namespace: string,
  conditions: string[],
  evaluation = true,
  name = 'eval',
): JanitorJob {
  return {
    metadata: {
      name,
      namespace,
      labels: evaluation ? { [EVALUATION_ID_LABEL]: 'e1' } : {},
    },
    status: {
      conditions: conditions.map((type) => ({ type, status: 'True', lastTransitionTime: at(-H) })),
    },
  };
}

const keep = (reason: string) => ({ action: 'keep', reason });
const del = (reason: string) => ({ action: 'delete', reason });
const mark = { action: 'mark-failed', reason: 'evaluation failed' };

export const CASES: Record<string, JanitorCase> = {
  running: {
    ns: ns('sbx-running'),
    jobs: [job('sbx-running', [])],
    expected: keep('evaluation running'),
  },
  complete: {
    ns: ns('sbx-complete'),
    jobs: [job('sbx-complete', ['SuccessCriteriaMet', 'Complete'])],
    expected: del('evaluation complete'),
  },
  'failure target only (not yet Failed)': {
    ns: ns('sbx-failing'),
    jobs: [job('sbx-failing', ['FailureTarget'])],
    expected: keep('evaluation running'),
  },
  'failed, not marked': {
    ns: ns('sbx-failed'),
    jobs: [job('sbx-failed', ['FailureTarget', 'Failed'])],
    expected: mark,
  },
  'one failed and one complete Job': {
    ns: ns('sbx-mixed'),
    jobs: [job('sbx-mixed', ['Complete'], true, 'a'), job('sbx-mixed', ['Failed'], true, 'b')],
    expected: mark,
  },
  'one complete and one running Job': {
    ns: ns('sbx-half'),
    jobs: [job('sbx-half', ['Complete'], true, 'a'), job('sbx-half', [], true, 'b')],
    expected: keep('evaluation running'),
  },
  'marked without a failure time': {
    ns: ns('sbx-marked-untimed', { failed: true }),
    jobs: [],
    expected: mark,
  },
  'marked with a malformed failure time': {
    ns: ns('sbx-marked-bad', { failed: true, failedAt: 'yesterday' }),
    jobs: [],
    expected: mark,
  },
  'dead letter within retention (Job gone)': {
    ns: ns('sbx-dead-letter', { failed: true, failedAt: at(-6 * D) }),
    jobs: [],
    expected: keep('dead letter'),
  },
  'dead letter within retention (Job still there)': {
    ns: ns('sbx-dead-letter-job', { failed: true, failedAt: at(-H) }),
    jobs: [job('sbx-dead-letter-job', ['Failed'])],
    expected: keep('dead letter'),
  },
  'dead letter exactly at retention': {
    ns: ns('sbx-dead-letter-edge', { failed: true, failedAt: at(-7 * D) }),
    jobs: [],
    expected: del('dead-letter retention passed'),
  },
  'dead letter past retention': {
    ns: ns('sbx-dead-letter-old', { failed: true, failedAt: at(-30 * D) }),
    jobs: [job('sbx-dead-letter-old', ['Failed'])],
    expected: del('dead-letter retention passed'),
  },
  'Job gone, past grace': {
    ns: ns('sbx-gone'),
    jobs: [],
    expected: del('no evaluation job after grace period'),
  },
  'Job gone, exactly at grace': {
    ns: ns('sbx-gone-edge', { created: at(-H) }),
    jobs: [],
    expected: del('no evaluation job after grace period'),
  },
  'no Job yet, young': {
    ns: ns('sbx-young', { created: at(-H + 1) }),
    jobs: [],
    expected: keep('no evaluation job yet'),
  },
  'only a Job without the evaluation-id label': {
    ns: ns('sbx-other-job'),
    jobs: [job('sbx-other-job', [], false)],
    expected: del('no evaluation job after grace period'),
  },
  'a running evaluation in another namespace': {
    ns: ns('sbx-neighbour'),
    jobs: [job('sbx-neighbour-2', [])],
    expected: del('no evaluation job after grace period'),
  },
  'expired while running': {
    ns: ns('sbx-expired', { expiresAt: at(-1) }),
    jobs: [job('sbx-expired', [])],
    expected: del('expired'),
  },
  'expires exactly now': {
    ns: ns('sbx-expires-now', { expiresAt: at(0) }),
    jobs: [job('sbx-expires-now', [])],
    expected: del('expired'),
  },
  'expired dead letter': {
    ns: ns('sbx-expired-dead', { failed: true, failedAt: at(-H), expiresAt: at(-1) }),
    jobs: [],
    expected: del('expired'),
  },
  'not yet expired': {
    ns: ns('sbx-not-expired', { expiresAt: at(H) }),
    jobs: [job('sbx-not-expired', [])],
    expected: keep('evaluation running'),
  },
  'expiry with an offset instead of Z': {
    ns: ns('sbx-expiry-offset', { expiresAt: '2026-01-01T00:00:00+00:00' }),
    jobs: [job('sbx-expiry-offset', ['Complete'])],
    expected: keep('expires-at is not YYYY-MM-DDTHH:MM:SSZ'),
  },
  'expiry with fractional seconds': {
    ns: ns('sbx-expiry-fraction', { expiresAt: '2026-01-01T00:00:00.5Z' }),
    jobs: [],
    expected: keep('expires-at is not YYYY-MM-DDTHH:MM:SSZ'),
  },
  'being deleted': {
    ns: ns('sbx-terminating', { deleting: at(-60) }),
    jobs: [job('sbx-terminating', ['Complete'])],
    expected: keep('already being deleted'),
  },
  'not a sandbox (no label)': { ns: ns('sbx-unlabelled', { sandbox: false }), jobs: [] },
  'not a sandbox (no prefix)': { ns: ns('team-a'), jobs: [job('team-a', ['Complete'])] },
};
