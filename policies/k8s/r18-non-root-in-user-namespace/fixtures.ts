// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase, bad } from '../fixtures/cases';

const R18 = 'SBX-R18-non-root-in-user-namespace';

export const fixtures: FixtureCase[] = [
  bad(
    R18,
    'Pod',
    'user-namespace-root',
    'uid 0 in a pod with its own user namespace: Pod Security restricted v1.35 allows it, the platform does not',
    (s) => {
      s.hostUsers = false;
      s.securityContext.runAsUser = 0;
      s.securityContext.runAsGroup = 0;
      delete s.securityContext.runAsNonRoot;
    },
  ),
  bad(
    R18,
    'Job',
    'user-namespace-container-root',
    'A container of a Job template runs as uid 0 in a user namespace',
    (s) => {
      s.hostUsers = false;
      s.containers[0].securityContext.runAsUser = 0;
      s.securityContext.runAsNonRoot = false;
    },
  ),
];
