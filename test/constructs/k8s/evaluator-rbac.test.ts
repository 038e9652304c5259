import {
  AUDITOR_RULES,
  EvaluatorRbac,
  RbacRule,
  RUNNER_RULES,
} from '../../../constructs/k8s/evaluator-rbac';
import { AUDITOR_CLUSTER_ROLE, RUNNER_CLUSTER_ROLE } from '../../../constructs/shared/platform';
import { K8sObject, newChart, only, synth } from '../../support/k8s';

function roles() {
  const chart = newChart();
  new EvaluatorRbac(chart, 'Rbac');
  const objects = synth(chart);
  return {
    objects,
    runner: only(objects, 'ClusterRole', RUNNER_CLUSTER_ROLE),
    auditor: only(objects, 'ClusterRole', AUDITOR_CLUSTER_ROLE),
  };
}

/** Whether `rules` allow `verb` on `resource` in `group` (wildcards included). */
function allows(rules: RbacRule[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups.includes(group) || r.apiGroups.includes('*')) &&
      (r.resources.includes(resource) || r.resources.includes('*')) &&
      (r.verbs.includes(verb) || r.verbs.includes('*')),
  );
}

const FORBIDDEN_FOR_BOTH: [string, string, string][] = [
  ['', 'secrets', 'get'],
  ['', 'secrets', 'list'],
  ['', 'secrets', 'watch'],
  ['', 'pods/exec', 'create'],
  ['', 'pods/exec', 'get'],
  ['', 'pods/attach', 'create'],
  ['', 'pods/portforward', 'create'],
  ['', 'pods/ephemeralcontainers', 'patch'],
  ['', 'serviceaccounts/token', 'create'],
  ['', 'pods', 'create'],
  ['', 'pods', 'update'],
  ['', 'nodes', 'get'],
  ['', 'nodes/proxy', 'get'],
  ['', 'namespaces', 'update'],
  ['rbac.authorization.k8s.io', 'roles', 'create'],
  ['rbac.authorization.k8s.io', 'rolebindings', 'create'],
  ['rbac.authorization.k8s.io', 'clusterroles', 'bind'],
  ['rbac.authorization.k8s.io', 'clusterroles', 'escalate'],
  ['', 'users', 'impersonate'],
  ['', 'serviceaccounts', 'impersonate'],
  ['networking.k8s.io', 'networkpolicies', 'delete'],
  ['batch', 'jobs', 'update'],
  ['batch', 'jobs', 'patch'],
];

describe('EvaluatorRbac', () => {
  test('THEN exactly the two ClusterRoles are emitted, with the documented rules', () => {
    const { objects, runner, auditor } = roles();
    expect(objects.map((o: K8sObject) => o.metadata.name)).toEqual([
      RUNNER_CLUSTER_ROLE,
      AUDITOR_CLUSTER_ROLE,
    ]);
    expect(runner.rules).toEqual(RUNNER_RULES);
    expect(auditor.rules).toEqual(AUDITOR_RULES);
  });

  test('the runner may create, read and delete Jobs and read pods, logs and events', () => {
    const { runner } = roles();
    for (const verb of ['create', 'get', 'list', 'watch', 'delete'])
      expect(allows(runner.rules, 'batch', 'jobs', verb)).toBe(true);
    for (const verb of ['get', 'list', 'watch'])
      expect(allows(runner.rules, '', 'pods', verb)).toBe(true);
    expect(allows(runner.rules, '', 'pods/log', 'get')).toBe(true);
    expect(allows(runner.rules, '', 'events', 'list')).toBe(true);
  });

  test('the auditor may only read, never write', () => {
    const { auditor } = roles();
    for (const rule of auditor.rules as RbacRule[])
      expect(rule.verbs).toEqual(['get', 'list', 'watch']);
    expect(allows(auditor.rules, 'batch', 'jobs', 'list')).toBe(true);
    expect(allows(auditor.rules, '', 'pods/log', 'get')).toBe(true);
    expect(allows(auditor.rules, 'networking.k8s.io', 'networkpolicies', 'get')).toBe(true);
    expect(allows(auditor.rules, '', 'configmaps', 'get')).toBe(false);
  });

  test.each(FORBIDDEN_FOR_BOTH)('neither role may touch %p %s with %s', (group, resource, verb) => {
    const { runner, auditor } = roles();
    expect(allows(runner.rules, group, resource, verb)).toBe(false);
    expect(allows(auditor.rules, group, resource, verb)).toBe(false);
  });

  test('no rule uses a wildcard', () => {
    const { runner, auditor } = roles();
    for (const rule of [...runner.rules, ...auditor.rules] as RbacRule[]) {
      expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
    }
  });

  test('snapshot', () => {
    expect(roles().objects).toMatchSnapshot();
  });
});
