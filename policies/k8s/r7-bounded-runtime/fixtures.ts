// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase, bad, good, mutated } from '../fixtures/cases';

const R7 = 'SBX-R7-bounded-runtime';

export const fixtures: FixtureCase[] = [
  bad(
    R7,
    'Job',
    'deadline-on-template-only',
    'The deadline only on the pod template: it restarts with every retry, and a million completions run one after another',
    (s, w) => {
      delete w.spec.activeDeadlineSeconds;
      s.activeDeadlineSeconds = 600;
      w.spec.completions = 1_000_000;
    },
  ),
  bad(
    R7,
    'Pod',
    'claims-controller-owner',
    'A bare pod without a deadline that claims a Job as its controller: ownerReferences are written by the client and prove nothing',
    (_s, w) => {
      delete w.spec.activeDeadlineSeconds;
      w.metadata.ownerReferences = [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: 'run',
          uid: '5f0c2a8e-0000-4000-8000-000000000001',
          controller: true,
        },
      ];
    },
  ),
  {
    rule: R7,
    verdict: 'good',
    name: 'pod-created-by-job-controller',
    description: 'A pod the Job controller creates is bounded by its Job’s deadline',
    object: mutated('Pod', 'from-job', (_s, w) => delete w.spec.activeDeadlineSeconds),
    request: { as: 'controller' },
  },
  bad(
    R7,
    'Job',
    'deadline-136-years',
    'A deadline of 2^32 seconds is present, and bounds nothing',
    (_s, w) => (w.spec.activeDeadlineSeconds = 4_294_967_296),
  ),
  bad(
    R7,
    'CronJob',
    'deadline-over-a-day',
    'Every scheduled run may take a week',
    (_s, w) => (w.spec.jobTemplate.spec.activeDeadlineSeconds = 604_800),
  ),
  bad(
    R7,
    'Pod',
    'deadline-over-a-day',
    'A bare pod with a deadline of a year',
    (_s, w) => (w.spec.activeDeadlineSeconds = 31_536_000),
  ),
  bad(
    R7,
    'Job',
    'unbounded-retries',
    'backoffLimit 2^31-1: the agent is re-run until the deadline',
    (_s, w) => {
      w.spec.backoffLimit = 2_147_483_647;
    },
  ),
  bad(
    R7,
    'Job',
    'default-retries',
    'No backoffLimit: the API default of 6 retries is above the bound',
    (_s, w) => {
      delete w.spec.backoffLimit;
    },
  ),
  bad(
    R7,
    'Job',
    'ignore-exit-codes',
    'A pod failure policy that ignores the exit code of a kill: failures never count',
    (s, w) => {
      s.restartPolicy = 'Never';
      w.spec.podFailurePolicy = {
        rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [137] } }],
      };
    },
  ),
  bad(R7, 'Job', 'parallelism', 'A thousand agents at once', (_s, w) => {
    w.spec.parallelism = 1000;
  }),
  bad(
    R7,
    'Job',
    'grace-period-a-year',
    'A preStop sleep behind a termination grace period of a year outlives every deadline',
    (s) => {
      s.terminationGracePeriodSeconds = 31_536_000;
    },
  ),
  bad(
    R7,
    'Deployment',
    'probe-grace-period',
    'A liveness probe with its own grace period of a day',
    (s) => {
      s.containers[0].livenessProbe = {
        exec: { command: ['true'] },
        terminationGracePeriodSeconds: 86_400,
      };
    },
  ),
  good(
    R7,
    'Job',
    'disruption-ignored',
    'Ignoring disruptions (not exit codes) is fine: retries stay bounded by the Job',
    (_s, w) => {
      w.spec.podFailurePolicy = {
        rules: [
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ],
      };
    },
  ),
  good(
    R7,
    'Job',
    'short-grace-period',
    'A grace period of 10 s and a deadline of a day',
    (s, w) => {
      s.terminationGracePeriodSeconds = 10;
      w.spec.activeDeadlineSeconds = 86_400;
    },
  ),
  bad(
    R7,
    'Pod',
    'no-deadline',
    'A bare pod that may run forever',
    (_s, w) => delete w.spec.activeDeadlineSeconds,
  ),
  bad(
    R7,
    'Job',
    'no-deadline',
    'A Job that may run forever',
    (_s, w) => delete w.spec.activeDeadlineSeconds,
  ),
  bad(
    R7,
    'CronJob',
    'no-deadline',
    'Every scheduled run may run forever',
    (_s, w) => delete w.spec.jobTemplate.spec.activeDeadlineSeconds,
  ),
];
