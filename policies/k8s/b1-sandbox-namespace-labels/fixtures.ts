// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase } from '../fixtures/cases';
import { sandboxNamespace } from '../fixtures/workloads';

const B1 = 'SBX-B1-sandbox-namespace-labels';

const unmarked = (name: string) => {
  const ns = sandboxNamespace(name);
  delete ns.metadata.labels['eval-sandbox.io/sandbox'];
  delete ns.metadata.labels['pod-security.kubernetes.io/enforce'];
  return ns;
};

export const fixtures: FixtureCase[] = [
  {
    rule: B1,
    verdict: 'bad',
    name: 'namespace-status-drops-labels',
    description:
      'The sandbox marker and PSA enforce label removed through namespaces/status: afterwards a privileged runc pod would be admitted',
    object: unmarked('sbx-b1-status'),
    request: {
      operation: 'UPDATE',
      subresource: 'status',
      oldObject: sandboxNamespace('sbx-b1-status'),
      as: 'attacker',
    },
  },
  {
    rule: B1,
    verdict: 'bad',
    name: 'namespace-finalize-drops-labels',
    description: 'The same through namespaces/finalize',
    object: unmarked('sbx-b1-finalize'),
    request: {
      operation: 'UPDATE',
      subresource: 'finalize',
      oldObject: sandboxNamespace('sbx-b1-finalize'),
      as: 'attacker',
    },
  },
  {
    rule: B1,
    verdict: 'bad',
    name: 'namespace-update-drops-marker',
    description: 'The sandbox marker removed by a plain update',
    object: unmarked('sbx-b1-update'),
    request: {
      operation: 'UPDATE',
      oldObject: sandboxNamespace('sbx-b1-update'),
      as: 'attacker',
    },
  },
  {
    rule: B1,
    verdict: 'good',
    name: 'namespace-update-other-label',
    description: 'Anyone allowed to update namespaces may still change an unrelated label',
    object: (() => {
      const ns = sandboxNamespace('sbx-b1-other');
      ns.metadata.labels.team = 'research';
      return ns;
    })(),
    request: {
      operation: 'UPDATE',
      oldObject: sandboxNamespace('sbx-b1-other'),
      as: 'attacker',
    },
  },
  {
    rule: B1,
    verdict: 'good',
    name: 'namespace-status-by-platform',
    description: 'The platform may take a namespace out of the sandbox set',
    object: unmarked('sbx-b1-platform'),
    request: {
      operation: 'UPDATE',
      subresource: 'status',
      oldObject: sandboxNamespace('sbx-b1-platform'),
    },
  },
];
