// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase, bad } from '../fixtures/cases';
import { container } from '../fixtures/workloads';

const R5 = 'SBX-R5-resource-limits';

export const fixtures: FixtureCase[] = [
  bad(R5, 'Pod', 'no-limits', 'No limits at all', (s) => delete s.containers[0].resources.limits),
  bad(R5, 'Job', 'init-no-ephemeral-limit', 'The init container can fill the node disk', (s) => {
    const init = container('setup');
    delete init.resources.limits['ephemeral-storage'];
    s.initContainers = [init];
  }),
  bad(
    R5,
    'StatefulSet',
    'no-memory-limit',
    'Unbounded memory',
    (s) => delete s.containers[0].resources.limits.memory,
  ),
  bad(
    R5,
    'CronJob',
    'no-cpu-limit',
    'Unbounded CPU',
    (s) => delete s.containers[0].resources.limits.cpu,
  ),
];
