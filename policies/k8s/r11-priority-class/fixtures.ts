// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { SANDBOX_PRIORITY_CLASS } from '../../../constructs/shared/platform';
import { FixtureCase, bad, good } from '../fixtures/cases';

const R11 = 'SBX-R11-priority-class';

export const fixtures: FixtureCase[] = [
  good(
    R11,
    'Job',
    'sandbox-priority-class',
    'The platform’s own low, non-preempting class',
    (s) => {
      s.priorityClassName = SANDBOX_PRIORITY_CLASS;
    },
  ),
  bad(
    R11,
    'Pod',
    'system-node-critical',
    'OOM score −997, never evicted, preempts other tenants',
    (s) => (s.priorityClassName = 'system-node-critical'),
  ),
  bad(
    R11,
    'Job',
    'system-cluster-critical',
    'A critical class on the Job template',
    (s) => (s.priorityClassName = 'system-cluster-critical'),
  ),
  bad(
    R11,
    'Deployment',
    'other-class',
    'Any class other than the sandbox one',
    (s) => (s.priorityClassName = 'high-priority'),
  ),
];
