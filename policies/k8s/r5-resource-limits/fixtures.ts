// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase, bad, good } from '../fixtures/cases';
import { container } from '../fixtures/workloads';

const R5 = 'SBX-R5-resource-limits';

export const fixtures: FixtureCase[] = [
  good(
    R5,
    'Pod',
    'limits-only',
    'Limits without requests (requests default to the limits)',
    (s) => {
      delete s.containers[0].resources.requests;
    },
  ),
  good(
    R5,
    'Job',
    'exponent-and-binary-limits',
    'Limits in other quantity notations: 0.5 CPU, 0.5Gi memory, 1e9 bytes of disk',
    (s) => {
      s.containers[0].resources.limits = {
        cpu: '0.5',
        memory: '0.5Gi',
        'ephemeral-storage': '1e9',
      };
      s.containers[0].resources.requests = { cpu: '250m', memory: '256Mi' };
    },
  ),
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
  bad(
    R5,
    'Pod',
    'zero-cpu-limit',
    'cpu: "0" is present but bounds nothing and counts zero against the quota',
    (s) => {
      s.containers[0].resources.limits.cpu = '0';
      s.containers[0].resources.requests.cpu = '0';
    },
  ),
  bad(R5, 'Deployment', 'zero-memory-limit', 'memory: "0" with a request of 0', (s) => {
    s.containers[0].resources.limits.memory = '0';
    s.containers[0].resources.requests.memory = '0';
  }),
  bad(
    R5,
    'Job',
    'zero-ephemeral-storage-limit',
    'ephemeral-storage: "0" on the init container',
    (s) => {
      const init = container('setup');
      init.resources.limits['ephemeral-storage'] = '0';
      init.resources.requests['ephemeral-storage'] = '0';
      s.initContainers = [init];
    },
  ),
  bad(
    R5,
    'Pod',
    'zero-cpu-request',
    'A positive limit but a zero request: the quota counts nothing for requests.cpu',
    (s) => {
      s.containers[0].resources.requests.cpu = '0';
    },
  ),
];
