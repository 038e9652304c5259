// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase } from '../fixtures/cases';
import { networkPolicy } from '../fixtures/workloads';

const R10 = 'SBX-R10-no-metadata-egress';

export const fixtures: FixtureCase[] = [
  {
    rule: R10,
    verdict: 'good',
    name: 'networkpolicy-internet-excepting-metadata',
    description: 'The whole internet, with the metadata ranges excepted',
    object: networkPolicy('internet', [
      {
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.0.0/16'] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      },
      {
        to: [
          {
            ipBlock: {
              cidr: '::/0',
              except: ['fd00:ec2::254/128', 'fd00:ec2::23/128', 'fe80::/10'],
            },
          },
        ],
      },
    ]),
  },
  {
    rule: R10,
    verdict: 'good',
    name: 'networkpolicy-cluster-dns',
    description: 'DNS to the cluster DNS pods only',
    object: networkPolicy('dns', [
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [{ protocol: 'UDP', port: 53 }],
      },
    ]),
  },
  {
    rule: R10,
    verdict: 'bad',
    name: 'networkpolicy-internet',
    description: 'The whole IPv4 internet, metadata service included',
    object: networkPolicy('internet', [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }]),
  },
  {
    rule: R10,
    verdict: 'bad',
    name: 'networkpolicy-ipv6-internet',
    description: 'The whole IPv6 internet, the IPv6 metadata service included',
    object: networkPolicy('internet6', [
      { to: [{ ipBlock: { cidr: '::/0', except: ['fe80::/10'] } }] },
    ]),
  },
  {
    rule: R10,
    verdict: 'bad',
    name: 'networkpolicy-imds',
    description: 'The instance metadata service itself',
    object: networkPolicy('imds', [
      { to: [{ ipBlock: { cidr: '169.254.169.254/32' } }], ports: [{ protocol: 'TCP', port: 80 }] },
    ]),
  },
  {
    rule: R10,
    verdict: 'bad',
    name: 'networkpolicy-pod-identity',
    description: 'The EKS Pod Identity agent, through a partial except',
    object: networkPolicy('pod-identity', [
      { to: [{ ipBlock: { cidr: '169.254.0.0/16', except: ['169.254.169.254/32'] } }] },
    ]),
  },
  {
    rule: R10,
    verdict: 'bad',
    name: 'networkpolicy-allow-all-egress',
    description: 'An egress rule without destinations allows all of them',
    object: networkPolicy('all', [{ ports: [{ protocol: 'TCP', port: 443 }] }]),
  },
];
