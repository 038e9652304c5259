// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase } from '../fixtures/cases';

const R16 = 'SBX-R16-no-token-secrets';

const secret = (name: string, type?: string, annotations?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, ...(annotations ? { annotations } : {}) },
  ...(type ? { type } : {}),
  stringData: { note: 'x' },
});

export const fixtures: FixtureCase[] = [
  {
    rule: R16,
    verdict: 'good',
    name: 'secret-opaque',
    description: 'An opaque Secret (whether a sandbox may read it is SBX-X1’s question)',
    object: secret('config'),
  },
  {
    rule: R16,
    verdict: 'bad',
    name: 'secret-service-account-token',
    description:
      'Asks the token controller for a long-lived API token of the sandbox service account',
    object: secret('token', 'kubernetes.io/service-account-token', {
      'kubernetes.io/service-account.name': 'default',
    }),
  },
];
