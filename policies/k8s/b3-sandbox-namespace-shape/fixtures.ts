// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase } from '../fixtures/cases';
import { sandboxNamespace } from '../fixtures/workloads';

const B3 = 'SBX-B3-sandbox-namespace-shape';

const ns = (name: string, change: (labels: Record<string, string>) => void = () => undefined) => {
  const n = sandboxNamespace(name);
  change(n.metadata.labels);
  return n;
};

export const fixtures: FixtureCase[] = [
  {
    rule: B3,
    verdict: 'good',
    name: 'namespace-sandbox',
    description: 'A sandbox namespace as the constructs emit it',
    object: ns('sbx-b3-good'),
  },
  {
    rule: B3,
    verdict: 'good',
    name: 'namespace-not-a-sandbox',
    description: 'Namespaces without the marker are not this rule’s business',
    object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b3' } },
  },
  {
    rule: B3,
    verdict: 'bad',
    name: 'namespace-privileged',
    description: 'A sandbox marker on a privileged namespace, even from the platform',
    object: ns(
      'sbx-b3-privileged',
      (l) => (l['pod-security.kubernetes.io/enforce'] = 'privileged'),
    ),
  },
  {
    rule: B3,
    verdict: 'bad',
    name: 'namespace-no-enforce',
    description: 'A sandbox marker without Pod Security enforcement',
    object: ns('sbx-b3-no-enforce', (l) => delete l['pod-security.kubernetes.io/enforce']),
  },
  {
    rule: B3,
    verdict: 'bad',
    name: 'namespace-latest',
    description: 'An unpinned Pod Security version changes what is admitted on upgrade',
    object: ns(
      'sbx-b3-latest',
      (l) => (l['pod-security.kubernetes.io/enforce-version'] = 'latest'),
    ),
  },
  {
    rule: B3,
    verdict: 'bad',
    name: 'namespace-no-prefix',
    description: 'A sandbox whose name hides it from the binding rule (SBX-B4)',
    object: ns('team-b3-sandbox'),
  },
  {
    rule: B3,
    verdict: 'bad',
    name: 'namespace-status-weakens-psa',
    description:
      'PSA weakened through namespaces/status by the platform: the shape holds for everyone',
    object: ns('sbx-b3-status', (l) => (l['pod-security.kubernetes.io/enforce'] = 'baseline')),
    request: { operation: 'UPDATE', subresource: 'status', oldObject: ns('sbx-b3-status') },
  },
];
