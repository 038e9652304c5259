// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase, bad, good } from '../fixtures/cases';

const R7 = 'SBX-R7-bounded-runtime';

export const fixtures: FixtureCase[] = [
  good(
    R7,
    'Job',
    'deadline-on-template',
    'The deadline on the pod template instead of the Job',
    (s, w) => {
      delete w.spec.activeDeadlineSeconds;
      s.activeDeadlineSeconds = 600;
    },
  ),
  good(
    R7,
    'Pod',
    'controller-owned',
    'A pod created by a Job controller is bounded by its Job',
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
