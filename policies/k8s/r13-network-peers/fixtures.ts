// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase } from '../fixtures/cases';
import { networkPolicy } from '../fixtures/workloads';
import { KubeObject } from '../pack';

const R13 = 'SBX-R13-network-peers';

const DNS_NAMESPACE = { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } };
const DNS_PODS = { matchLabels: { 'k8s-app': 'kube-dns' } };
const DNS_PORTS = [
  { protocol: 'UDP', port: 53 },
  { protocol: 'TCP', port: 53 },
];

function ingressPolicy(name: string, ingress: KubeObject[]): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name },
    spec: { podSelector: {}, policyTypes: ['Ingress'], ingress },
  };
}

const fixture = (
  verdict: 'good' | 'bad',
  name: string,
  description: string,
  object: KubeObject,
): FixtureCase => ({ rule: R13, verdict, name: `networkpolicy-${name}`, description, object });

export const fixtures: FixtureCase[] = [
  fixture('good', 'default-deny', 'Deny all ingress and egress (as SandboxNamespace emits it)', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'default-deny-all' },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  }),
  fixture(
    'good',
    'allow-cluster-dns',
    'DNS to the cluster DNS pods, UDP and TCP 53 (as SandboxNamespace emits it)',
    networkPolicy('allow-cluster-dns', [
      { to: [{ namespaceSelector: DNS_NAMESPACE, podSelector: DNS_PODS }], ports: DNS_PORTS },
    ]),
  ),
  fixture('good', 'same-namespace', 'Egress to and ingress from pods of the same namespace', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'same-namespace' },
    spec: {
      podSelector: { matchLabels: { app: 'agent' } },
      policyTypes: ['Ingress', 'Egress'],
      egress: [
        { to: [{ podSelector: { matchLabels: { app: 'tool' } } }], ports: [{ port: 8080 }] },
      ],
      ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 8080 }] }],
    },
  }),
  fixture(
    'bad',
    'egress-every-namespace',
    'Egress to namespaceSelector {}: every pod of every namespace, on every port',
    networkPolicy('every-namespace', [{ to: [{ namespaceSelector: {} }] }]),
  ),
  fixture(
    'bad',
    'egress-other-namespace',
    "Egress to another tenant's agents",
    networkPolicy('other-tenant', [
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'sbx-other' } },
            podSelector: {},
          },
        ],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]),
  ),
  fixture(
    'bad',
    'dns-without-ports',
    'The cluster DNS peer in a rule without ports: every port of the DNS pods',
    networkPolicy('dns-all-ports', [
      { to: [{ namespaceSelector: DNS_NAMESPACE, podSelector: DNS_PODS }] },
    ]),
  ),
  fixture(
    'bad',
    'dns-extra-port',
    'The cluster DNS peer with the metrics port besides 53',
    networkPolicy('dns-metrics', [
      {
        to: [{ namespaceSelector: DNS_NAMESPACE, podSelector: DNS_PODS }],
        ports: [...DNS_PORTS, { protocol: 'TCP', port: 9153 }],
      },
    ]),
  ),
  fixture(
    'bad',
    'dns-namespace-every-pod',
    'Port 53 on every pod of the DNS namespace, not just the DNS pods',
    networkPolicy('kube-system-53', [
      { to: [{ namespaceSelector: DNS_NAMESPACE, podSelector: {} }], ports: DNS_PORTS },
    ]),
  ),
  fixture(
    'bad',
    'ingress-from-anywhere',
    'An ingress rule without from admits every source',
    ingressPolicy('from-anywhere', [{ ports: [{ protocol: 'TCP', port: 8080 }] }]),
  ),
  fixture(
    'bad',
    'ingress-from-ipblock',
    'Ingress from the whole internet',
    ingressPolicy('from-internet', [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }]),
  ),
  fixture(
    'bad',
    'ingress-from-other-namespaces',
    'Ingress from every pod of every namespace',
    ingressPolicy('from-everywhere', [{ from: [{ namespaceSelector: {}, podSelector: {} }] }]),
  ),
];
