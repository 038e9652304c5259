import { PolicyEvaluator, UserInfo } from '../../../policies/k8s/evaluate';

const evaluator = PolicyEvaluator.forPack({
  platformUsers: ['system:serviceaccount:argocd:controller'],
});
const AGENT: UserInfo = {
  username: 'system:serviceaccount:sbx-1:evaluator',
  groups: ['system:serviceaccounts', 'system:authenticated'],
};
const RUNNER: UserInfo = { username: 'runner', groups: ['system:authenticated'] };
const PLATFORM: UserInfo = {
  username: 'alice',
  groups: ['eval-sandbox:platform', 'system:authenticated'],
};
const ARGO: UserInfo = {
  username: 'system:serviceaccount:argocd:controller',
  groups: ['system:authenticated'],
};

function ns(labels: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sbx-1', labels } };
}
const SANDBOX = {
  'eval-sandbox.io/sandbox': 'true',
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'v1.35',
};

describe('SBX-B1: sandbox namespace labels', () => {
  const update = (labels: Record<string, string>, userInfo: UserInfo, old = SANDBOX) =>
    evaluator.evaluate(ns(labels), { operation: 'UPDATE', oldObject: ns(old), userInfo });

  test.each<[string, Record<string, string>]>([
    ['removing the sandbox marker', { ...SANDBOX, 'eval-sandbox.io/sandbox': undefined as never }],
    ['flipping the marker to false', { ...SANDBOX, 'eval-sandbox.io/sandbox': 'false' }],
    [
      'weakening PSA to privileged',
      { ...SANDBOX, 'pod-security.kubernetes.io/enforce': 'privileged' },
    ],
    [
      'unpinning the PSA version',
      { ...SANDBOX, 'pod-security.kubernetes.io/enforce-version': 'latest' },
    ],
    [
      'adding a PSA exemption-like label',
      { ...SANDBOX, 'pod-security.kubernetes.io/warn': 'privileged' },
    ],
  ])('GIVEN %s by the runner THEN it is refused naming the labels', (_what, labels) => {
    const clean = Object.fromEntries(Object.entries(labels).filter(([, v]) => v !== undefined));
    const verdict = update(clean, RUNNER);
    expect(verdict.admitted).toBe(false);
    // SBX-B3 refuses a weakened shape for everyone as well; B1 names the identity problem.
    const b1 = verdict.violations.filter((v) => v.rule === 'SBX-B1-sandbox-namespace-labels');
    expect(b1).toHaveLength(1);
    expect(b1[0].message).toMatch(
      /^metadata\.labels: .*pod-security|^metadata\.labels: eval-sandbox\.io\/sandbox/,
    );
  });

  test('GIVEN a protected label change by the platform group or a platform user THEN it is admitted', () => {
    const changed = { ...SANDBOX, 'pod-security.kubernetes.io/warn': 'baseline' };
    expect(update(changed, PLATFORM).admitted).toBe(true);
    expect(update(changed, ARGO).admitted).toBe(true);
  });

  test('GIVEN the platform weakening enforcement THEN SBX-B3 still refuses it', () => {
    const weakened = { ...SANDBOX, 'pod-security.kubernetes.io/enforce': 'privileged' };
    expect(update(weakened, PLATFORM).violations.map((v) => v.rule)).toEqual([
      'SBX-B3-sandbox-namespace-shape',
    ]);
  });

  test.each(['status', 'finalize'])(
    'GIVEN the marker removed through namespaces/%s by the runner THEN it is refused',
    (subresource) => {
      const verdict = evaluator.evaluate(ns({ team: 'x' }), {
        operation: 'UPDATE',
        oldObject: ns(SANDBOX),
        userInfo: RUNNER,
        subresource,
      });
      expect(verdict.violations.map((v) => v.rule)).toEqual(['SBX-B1-sandbox-namespace-labels']);
    },
  );

  test('GIVEN an unrelated label change by anyone THEN it is admitted', () => {
    expect(update({ ...SANDBOX, team: 'red' }, AGENT).admitted).toBe(true);
  });

  test('GIVEN a namespace that was not a sandbox THEN the rule does not apply', () => {
    expect(
      update({ 'eval-sandbox.io/sandbox': 'false' }, RUNNER, { team: 'x' } as never).admitted,
    ).toBe(true);
  });
});

describe('SBX-B2: RBAC objects in sandbox namespaces', () => {
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'grant', namespace: 'sbx-1' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
    // Not a sandbox subject, so only SBX-B2 speaks (a sandbox one is SBX-B4's as well).
    subjects: [{ kind: 'User', name: 'mallory', apiGroup: 'rbac.authorization.k8s.io' }],
  };
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'r' },
    rules: [],
  };

  test.each([
    ['the runner', RUNNER],
    ['the agent', AGENT],
  ])('GIVEN %s creating a RoleBinding or Role THEN it is refused', (_who, userInfo) => {
    for (const obj of [binding, role]) {
      const verdict = evaluator.evaluate(obj, { userInfo });
      expect(verdict.violations).toEqual([
        {
          rule: 'SBX-B2-sandbox-rbac',
          message: `kind: ${obj.kind} in a sandbox namespace may only be written by the platform identity [SBX-B2-sandbox-rbac]`,
        },
      ]);
    }
  });

  test('GIVEN an update by the runner THEN it is refused too', () => {
    expect(
      evaluator.evaluate(binding, { userInfo: RUNNER, operation: 'UPDATE', oldObject: binding })
        .admitted,
    ).toBe(false);
  });

  test('GIVEN the platform identity THEN it is admitted', () => {
    expect(evaluator.evaluate(binding, { userInfo: PLATFORM }).admitted).toBe(true);
    expect(evaluator.evaluate(binding, { userInfo: ARGO }).admitted).toBe(true);
  });

  test('GIVEN no user THEN the offline default is the platform identity', () => {
    expect(evaluator.evaluate(binding).admitted).toBe(true);
  });
});
