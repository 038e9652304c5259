// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase } from '../fixtures/cases';
import { service } from '../fixtures/workloads';

const R9 = 'SBX-R9-no-exposed-services';

export const fixtures: FixtureCase[] = [
  {
    rule: R9,
    verdict: 'good',
    name: 'service-cluster-ip',
    description: 'A ClusterIP Service',
    object: service('agent'),
  },
  {
    rule: R9,
    verdict: 'bad',
    name: 'service-node-port',
    description: 'Opens a port on every node',
    object: service('node-port', { type: 'NodePort' }),
  },
  {
    rule: R9,
    verdict: 'bad',
    name: 'service-load-balancer',
    description: 'Asks the cloud for a public load balancer',
    object: service('lb', { type: 'LoadBalancer' }),
  },
  {
    rule: R9,
    verdict: 'bad',
    name: 'service-external-ips',
    description: 'Claims an external address (CVE-2020-8554)',
    object: service('external', { externalIPs: ['203.0.113.10'] }),
  },
];
