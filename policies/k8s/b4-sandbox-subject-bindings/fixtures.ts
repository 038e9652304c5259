// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase } from '../fixtures/cases';

const B4 = 'SBX-B4-sandbox-subject-bindings';

const RBAC = 'rbac.authorization.k8s.io';
const clusterBinding = (name: string, subjects: object[]) => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'view' },
  subjects,
});
const roleBinding = (name: string, namespace: string, subjects: object[]) => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'RoleBinding',
  metadata: { name, namespace },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'edit' },
  subjects,
});

export const fixtures: FixtureCase[] = [
  {
    rule: B4,
    verdict: 'bad',
    name: 'clusterrolebinding-sandbox-service-account',
    description: 'Cluster-wide read access for one sandbox’s service account',
    object: clusterBinding('b4-sandbox-sa', [
      { kind: 'ServiceAccount', name: 'evaluator', namespace: 'sbx-swe-0001' },
    ]),
    request: { as: 'attacker' },
  },
  {
    rule: B4,
    verdict: 'bad',
    name: 'rolebinding-elsewhere-sandbox-group',
    description: 'Edit rights in another namespace for every service account of a sandbox',
    object: roleBinding('b4-sandbox-group', 'default', [
      { kind: 'Group', name: 'system:serviceaccounts:sbx-swe-0001', apiGroup: RBAC },
    ]),
    request: { as: 'attacker' },
  },
  {
    rule: B4,
    verdict: 'bad',
    name: 'clusterrolebinding-all-service-accounts',
    description: 'The group of every service account contains every sandbox’s',
    object: clusterBinding('b4-all-sas', [
      { kind: 'Group', name: 'system:serviceaccounts', apiGroup: RBAC },
    ]),
    request: { as: 'attacker' },
  },
  {
    rule: B4,
    verdict: 'good',
    name: 'clusterrolebinding-other-service-account',
    description: 'Bindings of service accounts outside sandboxes are not this rule’s business',
    object: clusterBinding('b4-monitoring', [
      { kind: 'ServiceAccount', name: 'prometheus', namespace: 'monitoring' },
    ]),
    request: { as: 'attacker' },
  },
  {
    rule: B4,
    verdict: 'good',
    name: 'clusterrolebinding-by-platform',
    description:
      'The platform identity may bind a sandbox service account (it never does by default)',
    object: clusterBinding('b4-platform', [
      { kind: 'ServiceAccount', name: 'evaluator', namespace: 'sbx-swe-0001' },
    ]),
    request: { as: 'platform' },
  },
];
