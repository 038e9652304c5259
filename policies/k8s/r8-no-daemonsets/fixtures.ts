// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase } from '../fixtures/cases';
import { workload } from '../fixtures/workloads';

const R8 = 'SBX-R8-no-daemonsets';

export const fixtures: FixtureCase[] = [
  {
    rule: R8,
    verdict: 'bad',
    name: 'daemonset-compliant-pods',
    description: 'Even with compliant pods, a DaemonSet fans out to every node',
    object: workload('DaemonSet', 'fan-out'),
  },
];
