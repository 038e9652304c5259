/**
 * SBX-R3 offline, alone: the Pod Security Standards "restricted" v1.35 cases that the fixture
 * catalogue cannot hold (a catalogue fixture must pass or trip the whole pack) or that need every
 * container list. test/e2e/pss-differential.test.ts checks the same rule against the real plugin.
 */
import { PolicyEvaluator } from '../../../policies/k8s/evaluate';
import { workload } from '../../../policies/k8s/fixtures/workloads';
import { buildPolicyPack, KubeObject } from '../../../policies/k8s/pack';
import {
  RESTRICTED_VOLUME_TYPES,
  SAFE_SYSCTLS,
} from '../../../policies/k8s/r3-pod-security-restricted/rule';

const R3 = 'SBX-R3-pod-security-restricted';
const r3 = new PolicyEvaluator(buildPolicyPack().filter((p) => p.rule.id === R3));

/** A pod that meets R3, changed by `mutate`. */
function pod(mutate: (spec: KubeObject, pod: KubeObject) => void): KubeObject {
  const p = workload('Pod', 'p');
  mutate(p.spec, p);
  return p;
}

/** R3's messages for `object` (empty when admitted). */
function messages(object: KubeObject, options = {}): string[] {
  const verdict = r3.evaluate(object, options);
  expect(verdict.violations.every((v) => v.rule === R3)).toBe(true);
  return verdict.violations.map((v) => v.message);
}

const container = (name: string, extra: KubeObject = {}): KubeObject => ({
  name,
  image: 'registry.example.com/tasks/agent@sha256:' + '0'.repeat(64),
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  ...extra,
});

describe('SBX-R3: probe and lifecycle hosts (PSS baseline from v1.34)', () => {
  const HANDLERS: [string, (h: KubeObject) => KubeObject][] = [
    ['livenessProbe', (h) => ({ livenessProbe: h })],
    ['readinessProbe', (h) => ({ readinessProbe: h })],
    ['startupProbe', (h) => ({ startupProbe: h })],
    ['lifecycle.postStart', (h) => ({ lifecycle: { postStart: h } })],
    ['lifecycle.preStop', (h) => ({ lifecycle: { preStop: h } })],
  ];
  const ACTIONS: [string, (host?: string) => KubeObject][] = [
    ['httpGet', (host) => ({ httpGet: { path: '/', port: 8080, host } })],
    ['tcpSocket', (host) => ({ tcpSocket: { port: 8080, host } })],
  ];
  const cases = HANDLERS.flatMap(([field, at]) =>
    ACTIONS.map(([action, handler]) => [field, action, at, handler] as const),
  );

  test.each(cases)('%s.%s.host aimed elsewhere is refused', (field, _action, at, handler) => {
    const p = pod((s) => Object.assign(s.containers[0], at(handler('169.254.169.254'))));
    expect(messages(p)).toEqual([
      `spec.containers[agent].${field}: httpGet.host and tcpSocket.host must be unset or empty [${R3}]`,
    ]);
  });

  test.each(cases)('%s.%s.host unset or empty is admitted', (_field, _action, at, handler) => {
    expect(messages(pod((s) => Object.assign(s.containers[0], at(handler()))))).toEqual([]);
    expect(messages(pod((s) => Object.assign(s.containers[0], at(handler('')))))).toEqual([]);
  });

  test('a sidecar init container and a Job template are judged too (PSA sees no templates)', () => {
    const sidecar = pod((s) => {
      s.initContainers = [
        container('proxy', {
          restartPolicy: 'Always',
          lifecycle: { preStop: { httpGet: { path: '/', port: 80, host: '10.0.0.1' } } },
        }),
      ];
    });
    expect(messages(sidecar)).toEqual([
      `spec.initContainers[proxy].lifecycle.preStop: httpGet.host and tcpSocket.host must be unset or empty [${R3}]`,
    ]);
    const job = workload('Job', 'j');
    job.spec.template.spec.containers[0].readinessProbe = {
      tcpSocket: { port: 22, host: '10.0.0.1' },
    };
    expect(messages(job)).toEqual([
      `spec.template.spec.containers[agent].readinessProbe: httpGet.host and tcpSocket.host must be unset or empty [${R3}]`,
    ]);
  });

  test('an ephemeral container added through the subresource is judged with the whole pod', () => {
    const before = pod(() => undefined);
    const after = pod((s) => {
      s.ephemeralContainers = [
        container('debug', { livenessProbe: { httpGet: { port: 80, host: '10.0.0.1' } } }),
      ];
    });
    expect(
      messages(after, {
        operation: 'UPDATE',
        subresource: 'ephemeralcontainers',
        oldObject: before,
      }),
    ).toEqual([
      `spec.ephemeralContainers[debug].livenessProbe: httpGet.host and tcpSocket.host must be unset or empty [${R3}]`,
    ]);
  });
});

describe('SBX-R3: runAsNonRoot and runAsUser', () => {
  test('false on the pod is refused even when every container says true', () => {
    const p = pod((s) => {
      s.securityContext.runAsNonRoot = false;
      s.containers[0].securityContext.runAsNonRoot = true;
    });
    expect(messages(p)).toEqual([
      `spec.securityContext.runAsNonRoot: must be true on the pod or on every container, and false on none (any value with hostUsers: false) [${R3}]`,
    ]);
  });

  test('true on every container and unset on the pod is admitted; one container unset is not', () => {
    const p = pod((s) => {
      delete s.securityContext.runAsNonRoot;
      s.containers[0].securityContext.runAsNonRoot = true;
      s.initContainers = [container('init', {})];
    });
    expect(messages(p)).toHaveLength(1);
    p.spec.initContainers[0].securityContext.runAsNonRoot = true;
    expect(messages(p)).toEqual([]);
  });

  test('a pod with its own user namespace may run as uid 0 and say runAsNonRoot: false (v1.35)', () => {
    const root = (hostUsers: boolean | undefined) =>
      pod((s) => {
        if (hostUsers !== undefined) s.hostUsers = hostUsers;
        s.securityContext.runAsNonRoot = false;
        s.securityContext.runAsUser = 0;
        Object.assign(s.containers[0].securityContext, { runAsUser: 0, runAsNonRoot: false });
      });
    expect(messages(root(false))).toEqual([]);
    for (const hostUsers of [true, undefined])
      expect(messages(root(hostUsers))).toEqual([
        `spec.securityContext.runAsNonRoot: must be true on the pod or on every container, and false on none (any value with hostUsers: false) [${R3}]`,
        `spec.securityContext.runAsUser: must not be 0 (any value with hostUsers: false) [${R3}]`,
        `spec.containers[agent].securityContext.runAsUser: must not be 0 (any value with hostUsers: false) [${R3}]`,
      ]);
  });

  test('a user namespace does not allow an unmasked /proc under Restricted', () => {
    const p = pod((s) => {
      s.hostUsers = false;
      s.containers[0].securityContext.procMount = 'Unmasked';
    });
    expect(messages(p)).toEqual([
      `spec.containers[agent].securityContext.procMount: must be Default [${R3}]`,
    ]);
  });
});

describe('SBX-R3: Windows pods', () => {
  const windows = () =>
    pod((s) => {
      s.os = { name: 'windows' };
      // The API server forbids these Linux fields on a Windows pod.
      delete s.securityContext.seccompProfile;
      delete s.securityContext.runAsUser;
      delete s.securityContext.runAsGroup;
      s.containers[0].securityContext = { runAsNonRoot: true };
    });

  test('need no seccomp profile, capability drop or allowPrivilegeEscalation (from v1.25)', () => {
    expect(messages(windows())).toEqual([]);
  });

  test('still need runAsNonRoot and no HostProcess', () => {
    const p = windows();
    delete p.spec.securityContext.runAsNonRoot;
    p.spec.containers[0].securityContext = { windowsOptions: { hostProcess: true } };
    p.spec.hostNetwork = true;
    expect(messages(p)).toEqual([
      `spec.hostNetwork: must not be true [${R3}]`,
      `spec.containers[agent].securityContext.windowsOptions.hostProcess: must not be true [${R3}]`,
      `spec.securityContext.runAsNonRoot: must be true on the pod or on every container, and false on none (any value with hostUsers: false) [${R3}]`,
    ]);
  });

  test('a Linux pod gets no such exemption', () => {
    const p = windows();
    p.spec.os = { name: 'linux' };
    expect(messages(p)).toEqual([
      `spec.containers[agent].securityContext.capabilities.drop: must include ALL [${R3}]`,
      `spec.containers[agent].securityContext.allowPrivilegeEscalation: must be false [${R3}]`,
      `spec.securityContext.seccompProfile.type: must be RuntimeDefault or Localhost on the pod or on every container, and Unconfined nowhere [${R3}]`,
    ]);
  });
});

describe('SBX-R3: SELinux, AppArmor, volumes, sysctls', () => {
  test('a container SELinux type is checked when the pod sets none', () => {
    const p = pod((s) => (s.containers[0].securityContext.seLinuxOptions = { type: 'spc_t' }));
    expect(messages(p)).toHaveLength(1);
    expect(messages(p)[0]).toMatch(/^spec\.securityContext\.seLinuxOptions: /);
  });

  test.each([
    ['', true],
    ['runtime/default', true],
    ['localhost/agent', true],
    ['localhost/', true],
    ['unconfined', false],
  ])('AppArmor annotation %p admitted: %p', (value, admitted) => {
    const p = pod((_s, w) => {
      w.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/agent': value };
    });
    expect(messages(p).length === 0).toBe(admitted);
  });

  test('every Restricted volume type is admitted, image volumes included (v1.35)', () => {
    expect(RESTRICTED_VOLUME_TYPES).toContain('image');
    const p = pod((s) => {
      s.volumes = RESTRICTED_VOLUME_TYPES.map((t, i) => ({ name: `v${i}`, [t]: {} }));
    });
    expect(messages(p)).toEqual([]);
  });

  test.each(['hostPath', 'nfs', 'gitRepo', 'iscsi', 'cephfs', 'flexVolume', 'azureFile'])(
    'a %s volume is refused',
    (type) => {
      const p = pod((s) => s.volumes.push({ name: 'x', [type]: {} }));
      expect(messages(p)).toHaveLength(1);
      expect(messages(p)[0]).toMatch(/^spec\.volumes: only /);
    },
  );

  test('the v1.32 TCP buffer sysctls are safe; a node-wide one is not', () => {
    expect(SAFE_SYSCTLS).toEqual(
      expect.arrayContaining(['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem']),
    );
    const p = pod((s) => {
      s.securityContext.sysctls = SAFE_SYSCTLS.map((name) => ({ name, value: '1' }));
    });
    expect(messages(p)).toEqual([]);
    p.spec.securityContext.sysctls.push({ name: 'kernel.msgmax', value: '65536' });
    expect(messages(p)).toEqual([
      `spec.securityContext.sysctls: only the safe sysctls are allowed [${R3}]`,
    ]);
  });
});
