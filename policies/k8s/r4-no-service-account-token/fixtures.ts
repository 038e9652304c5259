// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase, bad, good } from '../fixtures/cases';

const R4 = 'SBX-R4-no-service-account-token';

export const fixtures: FixtureCase[] = [
  good(R4, 'Pod', 'projected-config', 'A projected volume without a token source', (s) => {
    s.volumes.push({
      name: 'info',
      projected: {
        sources: [
          {
            downwardAPI: {
              items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }],
            },
          },
        ],
      },
    });
  }),
  bad(
    R4,
    'Pod',
    'automount-token',
    'Mounts the service account token',
    (s) => (s.automountServiceAccountToken = true),
  ),
  bad(
    R4,
    'Job',
    'automount-unset',
    'Leaves the token automount to the service account default',
    (s) => delete s.automountServiceAccountToken,
  ),
  bad(R4, 'Deployment', 'projected-token', 'Projects a token by hand', (s) => {
    s.volumes.push({
      name: 'token',
      projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] },
    });
  }),
];
