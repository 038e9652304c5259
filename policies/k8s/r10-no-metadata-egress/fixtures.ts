// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
// Policies that reach the internet select the egress gateway's pods, the only ones SBX-R19 lets
// reach it: the metadata bound holds for the gateway's policy too.
import { FixtureCase } from '../fixtures/cases';
import { gatewayNetworkPolicy, networkPolicy } from '../fixtures/workloads';

const R10 = 'SBX-R10-no-metadata-egress';

export const fixtures: FixtureCase[] = [
  {
    rule: R10,
    verdict: 'good',
    name: 'networkpolicy-internet-excepting-metadata',
    description: 'The whole internet, with the metadata ranges excepted',
    object: gatewayNetworkPolicy('internet', [
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
    verdict: 'good',
    name: 'networkpolicy-range-around-link-local',
    description:
      'A range containing link-local, with all of link-local excepted (as EgressPolicy emits it)',
    object: gatewayNetworkPolicy('around-link-local', [
      {
        to: [{ ipBlock: { cidr: '169.0.0.0/8', except: ['169.254.0.0/16'] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      },
    ]),
  },
  {
    rule: R10,
    verdict: 'good',
    name: 'networkpolicy-private-range',
    description: 'A private range that does not touch link-local or metadata',
    object: networkPolicy('private', [
      { to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] },
    ]),
  },
  {
    rule: R10,
    verdict: 'bad',
    name: 'networkpolicy-internet',
    description: 'The whole IPv4 internet, metadata service included',
    object: gatewayNetworkPolicy('internet', [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }]),
  },
  {
    rule: R10,
    verdict: 'bad',
    name: 'networkpolicy-ipv6-internet',
    description: 'The whole IPv6 internet, the IPv6 metadata service included',
    object: gatewayNetworkPolicy('internet6', [
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
    object: gatewayNetworkPolicy('all', [{ ports: [{ protocol: 'TCP', port: 443 }] }]),
  },
  {
    rule: R10,
    verdict: 'bad',
    name: 'networkpolicy-link-local-minus-metadata',
    description:
      'All of link-local minus the two metadata addresses: opens the VPC resolver at 169.254.169.253, a DNS path around cluster DNS',
    object: networkPolicy('link-local', [
      {
        to: [
          {
            ipBlock: {
              cidr: '169.254.0.0/16',
              except: ['169.254.169.254/32', '169.254.170.23/32'],
            },
          },
        ],
      },
    ]),
  },
  {
    rule: R10,
    verdict: 'bad',
    name: 'networkpolicy-vpc-resolver',
    description: 'The VPC resolver at 169.254.169.253, inside link-local',
    object: networkPolicy('vpc-resolver', [
      {
        to: [{ ipBlock: { cidr: '169.254.169.253/32' } }],
        ports: [{ protocol: 'UDP', port: 53 }],
      },
    ]),
  },
  {
    rule: R10,
    verdict: 'bad',
    name: 'networkpolicy-internet-excepting-metadata-only',
    description:
      'The whole IPv4 internet excepting the metadata hosts but not the rest of link-local',
    object: gatewayNetworkPolicy('internet', [
      {
        to: [
          {
            ipBlock: {
              cidr: '0.0.0.0/0',
              except: ['169.254.169.254/32', '169.254.170.23/32'],
            },
          },
        ],
        ports: [{ protocol: 'TCP', port: 443 }],
      },
    ]),
  },
  {
    rule: R10,
    verdict: 'bad',
    name: 'networkpolicy-ipv6-link-local',
    description: 'A piece of IPv6 link-local',
    object: networkPolicy('link-local6', [{ to: [{ ipBlock: { cidr: 'fe80::/64' } }] }]),
  },
  {
    rule: R10,
    verdict: 'bad',
    name: 'networkpolicy-ipv4-mapped',
    description:
      'The metadata service as an IPv4-mapped IPv6 address (Kubernetes CEL refuses the form; plugins may read it as IPv4)',
    object: gatewayNetworkPolicy('mapped', [
      {
        to: [{ ipBlock: { cidr: '::ffff:169.254.169.254/128' } }],
        ports: [{ protocol: 'TCP', port: 80 }],
      },
    ]),
  },
  {
    rule: R10,
    verdict: 'bad',
    name: 'networkpolicy-except-host-bits',
    description:
      'The except entry has host bits set: the API server accepts it, and readers may disagree on what it covers',
    object: gatewayNetworkPolicy('host-bits', [
      {
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/16'] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      },
    ]),
  },
  {
    rule: R10,
    verdict: 'bad',
    name: 'networkpolicy-leading-zeros',
    description: 'Leading zeros: sloppy parsers read 0169 as decimal, others as octal',
    object: gatewayNetworkPolicy('leading-zeros', [
      {
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['0169.254.0.0/16'] } }],
        ports: [{ protocol: 'TCP', port: 443 }],
      },
    ]),
  },
];
