// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase } from '../fixtures/cases';
import { networkPolicy } from '../fixtures/workloads';

const B2 = 'SBX-B2-sandbox-rbac';

const denyAll = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'default-deny-all' },
  spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
};
const quota = {
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'extra-quota' },
  spec: { hard: { pods: '1000' } },
};
const limits = {
  apiVersion: 'v1',
  kind: 'LimitRange',
  metadata: { name: 'sandbox-limits-b2' },
  spec: { limits: [{ type: 'Container', max: { cpu: '1' } }] },
};
const binding = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name: 'agent-edit' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
  subjects: [{ kind: 'User', name: 'mallory', apiGroup: 'rbac.authorization.k8s.io' }],
};
const slice = {
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'cluster-dns', labels: { 'kubernetes.io/service-name': 'cluster-dns' } },
  addressType: 'IPv4',
  // A pod of another namespace: the Service's traffic is redirected there after the pod's own
  // NetworkPolicy has judged the Service address (link-local targets the API refuses by itself).
  endpoints: [{ addresses: ['10.0.0.10'] }],
  ports: [{ name: 'dns', port: 53, protocol: 'UDP' }],
};

export const fixtures: FixtureCase[] = [
  {
    rule: B2,
    verdict: 'bad',
    name: 'networkpolicy-delete-default-deny',
    description: 'Deleting the default-deny policy opens every port to everywhere',
    object: denyAll,
    request: { operation: 'DELETE', oldObject: denyAll, as: 'attacker' },
  },
  {
    rule: B2,
    verdict: 'bad',
    name: 'networkpolicy-create',
    description: 'A NetworkPolicy of the attacker’s own, even a harmless-looking one',
    object: networkPolicy('attacker-egress', [
      { to: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] },
    ]),
    request: { as: 'attacker' },
  },
  {
    rule: B2,
    verdict: 'bad',
    name: 'resourcequota-create',
    description: 'A second quota cannot raise the first, but its writer could delete it',
    object: quota,
    request: { as: 'attacker' },
  },
  {
    rule: B2,
    verdict: 'bad',
    name: 'limitrange-update',
    description: 'Rewriting the LimitRange',
    object: { ...limits, spec: { limits: [{ type: 'Container', max: { cpu: '64' } }] } },
    request: { operation: 'UPDATE', oldObject: limits, as: 'attacker' },
  },
  {
    rule: B2,
    verdict: 'bad',
    name: 'rolebinding-create',
    description: 'Hands a user of the attacker’s choice the edit role inside the sandbox',
    object: binding,
    request: { as: 'attacker' },
  },
  {
    rule: B2,
    verdict: 'bad',
    name: 'endpointslice-elsewhere',
    description: 'A hand-made EndpointSlice pointing a Service at an address outside the sandbox',
    object: slice,
    request: { as: 'attacker' },
  },
  {
    rule: B2,
    verdict: 'good',
    name: 'networkpolicy-delete-by-namespace-controller',
    description: 'The namespace controller cleaning up a namespace being deleted',
    object: denyAll,
    request: { operation: 'DELETE', oldObject: denyAll, as: 'controller' },
  },
];
