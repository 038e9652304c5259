// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase } from '../fixtures/cases';
import { container, workload } from '../fixtures/workloads';

const R14 = 'SBX-R14-no-ephemeral-containers';

const running = workload('Pod', 'running');
const withDebugger = structuredClone(running);
// Ephemeral containers may not set resources; otherwise it meets every container rule.
const debug = container('debug');
delete debug.resources;
withDebugger.spec.ephemeralContainers = [{ ...debug, targetContainerName: 'agent' }];

export const fixtures: FixtureCase[] = [
  {
    rule: R14,
    verdict: 'bad',
    name: 'pod-ephemeral-container-subresource',
    description:
      'An ephemeral container added to a running sandbox pod through pods/ephemeralcontainers',
    object: withDebugger,
    request: {
      operation: 'UPDATE',
      subresource: 'ephemeralcontainers',
      oldObject: running,
      as: 'attacker',
    },
  },
  {
    rule: R14,
    verdict: 'bad',
    name: 'pod-ephemeral-container-by-platform',
    description: 'Not even the platform debugs a sandbox in place',
    object: withDebugger,
    request: { operation: 'UPDATE', subresource: 'ephemeralcontainers', oldObject: running },
  },
];
