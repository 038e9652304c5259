// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase, bad, sc } from '../fixtures/cases';
import { container } from '../fixtures/workloads';

const R6 = 'SBX-R6-read-only-root-filesystem';

export const fixtures: FixtureCase[] = [
  bad(
    R6,
    'Pod',
    'writable-root',
    'A writable root filesystem',
    (s) => (sc(s.containers[0]).readOnlyRootFilesystem = false),
  ),
  bad(
    R6,
    'CronJob',
    'root-unset',
    'The root filesystem defaults to writable',
    (s) => delete sc(s.containers[0]).readOnlyRootFilesystem,
  ),
  bad(R6, 'Job', 'init-writable-root', 'The init container writes to its root filesystem', (s) => {
    const init = container('setup');
    init.securityContext.readOnlyRootFilesystem = false;
    s.initContainers = [init];
  }),
];
