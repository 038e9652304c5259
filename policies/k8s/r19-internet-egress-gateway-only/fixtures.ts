// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { EGRESS_GATEWAY_DENIED_DESTINATIONS } from '../../../constructs/shared/egress-gateway-config';
import { FixtureCase } from '../fixtures/cases';
import { gatewayNetworkPolicy, networkPolicy, workload } from '../fixtures/workloads';
import { KubeObject } from '../pack';
import {
  EGRESS_GATEWAY_CONFIG_NAME,
  EGRESS_GATEWAY_LABEL,
  EGRESS_GATEWAY_LABEL_VALUE,
} from './rule';

const R19 = 'SBX-R19-internet-egress-gateway-only';

const V4_EXCEPT = EGRESS_GATEWAY_DENIED_DESTINATIONS.filter((c) => !c.includes(':'));
const V6_EXCEPT = EGRESS_GATEWAY_DENIED_DESTINATIONS.filter((c) => c.includes(':'));

/** The internet minus every internal range, on 443 (as EgressGateway emits it). */
const INTERNET = {
  to: [
    { ipBlock: { cidr: '0.0.0.0/0', except: V4_EXCEPT } },
    { ipBlock: { cidr: '::/0', except: V6_EXCEPT } },
  ],
  ports: [{ protocol: 'TCP', port: 443 }],
};
const DNS = {
  to: [
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    },
  ],
  ports: [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ],
};

/** A compliant bare Pod labelled as the egress gateway. */
function gatewayPod(name: string): KubeObject {
  const pod = workload('Pod', name);
  pod.metadata.labels[EGRESS_GATEWAY_LABEL] = EGRESS_GATEWAY_LABEL_VALUE;
  return pod;
}
const running = (pod: KubeObject): KubeObject => ({
  ...structuredClone(pod),
  status: { phase: 'Running' },
});
const plainPod = workload('Pod', 'agent-pod');
const labelledPlainPod = structuredClone(plainPod);
labelledPlainPod.metadata.labels[EGRESS_GATEWAY_LABEL] = EGRESS_GATEWAY_LABEL_VALUE;

const swappedGateway = gatewayPod('egress-gateway');
swappedGateway.spec.containers[0].image = `registry.example.com/attacker/tool@sha256:${'e'.repeat(64)}`;

const config = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data: { 'squid.conf': 'http_access allow all\n' },
});

const fixture = (
  verdict: 'good' | 'bad',
  name: string,
  description: string,
  object: KubeObject,
  request?: FixtureCase['request'],
): FixtureCase => ({
  rule: R19,
  verdict,
  name,
  description,
  object,
  ...(request ? { request } : {}),
});

export const fixtures: FixtureCase[] = [
  fixture(
    'good',
    'networkpolicy-egress-gateway',
    "The gateway's own policy, created by the platform: cluster DNS, and the internet on 443 minus every internal range (as EgressGateway emits it)",
    gatewayNetworkPolicy('egress-gateway', [DNS, INTERNET]),
  ),
  fixture(
    'good',
    'networkpolicy-private-ranges',
    'Private ranges, for every pod: not the internet',
    networkPolicy('private', [
      {
        to: [{ ipBlock: { cidr: '10.20.0.0/16' } }, { ipBlock: { cidr: 'fd12:3456::/32' } }],
        ports: [{ protocol: 'TCP', port: 5432 }],
      },
    ]),
  ),
  fixture(
    'good',
    'pod-egress-gateway',
    'The gateway pod, created by the platform',
    gatewayPod('egress-gateway'),
  ),
  fixture(
    'good',
    'configmap-egress-gateway',
    "The gateway's squid.conf, written by the platform",
    config(EGRESS_GATEWAY_CONFIG_NAME, { [EGRESS_GATEWAY_LABEL]: EGRESS_GATEWAY_LABEL_VALUE }),
  ),
  fixture(
    'good',
    'pod-egress-gateway-status-by-kubelet',
    'A status update of the gateway pod by another identity (the kubelet) that keeps the label',
    running(gatewayPod('egress-gateway')),
    {
      operation: 'UPDATE',
      subresource: 'status',
      oldObject: gatewayPod('egress-gateway'),
      as: 'controller',
    },
  ),
  fixture(
    'bad',
    'networkpolicy-internet-for-every-pod',
    "The gateway's internet rule given to every pod of the sandbox: the agent bypasses the gateway",
    networkPolicy('internet', [INTERNET]),
  ),
  fixture(
    'bad',
    'networkpolicy-public-range',
    "A public range (GitHub's SSH front) for every pod",
    networkPolicy('github-ssh', [
      { to: [{ ipBlock: { cidr: '140.82.112.0/20' } }], ports: [{ protocol: 'TCP', port: 22 }] },
    ]),
  ),
  fixture(
    'bad',
    'networkpolicy-gateway-selector-widened',
    'The gateway selector with a matchExpressions term: selects more than the gateway pods',
    networkPolicy('widened', [INTERNET], {
      matchLabels: { [EGRESS_GATEWAY_LABEL]: EGRESS_GATEWAY_LABEL_VALUE },
      matchExpressions: [{ key: 'app', operator: 'Exists' }],
    }),
  ),
  fixture(
    'bad',
    'networkpolicy-internet-for-agent-pods',
    'The internet for the agent pods by their own label',
    networkPolicy('agent-internet', [INTERNET], { matchLabels: { app: 'agent' } }),
  ),
  fixture(
    'bad',
    'pod-gateway-label-from-job-template',
    "A Job's pod labelled as the gateway (the label in the template), created by the Job controller",
    gatewayPod('fake-gateway'),
    { as: 'controller' },
  ),
  fixture(
    'bad',
    'pod-gateway-label-by-attacker',
    'A pod labelled as the gateway, created by another identity',
    gatewayPod('fake-gateway'),
    { as: 'attacker' },
  ),
  fixture(
    'bad',
    'pod-gateway-image-swapped',
    "The gateway pod's image replaced (by another digest-pinned one) by another identity: its code would run with the gateway's internet",
    swappedGateway,
    { operation: 'UPDATE', oldObject: gatewayPod('egress-gateway'), as: 'attacker' },
  ),
  fixture(
    'bad',
    'pod-gateway-label-added-through-status',
    'The gateway label added through pods/status (whose updates may change labels)',
    running(labelledPlainPod),
    { operation: 'UPDATE', subresource: 'status', oldObject: plainPod, as: 'attacker' },
  ),
  fixture(
    'bad',
    'configmap-egress-gateway-rewritten',
    "The gateway's squid.conf rewritten by another identity (it takes effect at the next restart)",
    config(EGRESS_GATEWAY_CONFIG_NAME),
    { operation: 'UPDATE', oldObject: config(EGRESS_GATEWAY_CONFIG_NAME), as: 'attacker' },
  ),
];
