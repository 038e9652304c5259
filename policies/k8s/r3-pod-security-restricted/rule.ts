// Pod Security Standards "restricted" as Pod Security Admission v1.35 enforces it
// (k8s.io/pod-security-admission v0.35.x, policy/check_*.go): every baseline and restricted check,
// with its treatment of unset and empty values, of pod and container level, of ephemeral
// containers, of Windows pods and of pods in a user namespace. test/e2e/pss-differential.test.ts
// compares this rule with the real plugin on generated pods.
import { AdmissionRule, celStringList } from '../rule';
import {
  ALL_CONTAINER_LISTS,
  equals,
  everyContainer,
  podField,
  present,
  workloadRule,
} from '../workload';

const ID = 'SBX-R3-pod-security-restricted';

/** Volume types the Restricted profile allows (check_restrictedVolumes.go). */
export const RESTRICTED_VOLUME_TYPES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

/** Sysctls the Baseline (and so Restricted) profile allows from v1.32 on (check_sysctls.go). */
export const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
];

/** SELinux types the Baseline profile allows from v1.31 on (check_seLinuxOptions.go); '' is unset. */
const SELINUX_TYPES = [
  '',
  'container_t',
  'container_init_t',
  'container_kvm_t',
  'container_engine_t',
];

/**
 * The pod runs in its own user namespace (`hostUsers: false`): from v1.35 the runAsNonRoot and
 * runAsUser checks allow any value (helpers.go, relaxPolicyForUserNamespacePod).
 */
export const USER_NAMESPACE = equals('false', 'variables.spec', 'hostUsers');
/**
 * A Windows pod (`spec.os.name: windows`): from v1.25 the allowPrivilegeEscalation, capabilities
 * and seccomp checks skip it (the API server forbids those Linux fields on it, and the kubelet of a
 * Linux node refuses to run it).
 */
const WINDOWS = equals("'windows'", 'variables.spec', 'os', 'name');

/**
 * An seLinuxOptions object (at `base.securityContext.seLinuxOptions`) within Baseline limits. The
 * whole expression is parenthesised: `a || b && c` would skip `c` whenever `a` holds.
 */
function seLinuxOk(base: string): string {
  const o = `${base}.securityContext.seLinuxOptions`;
  return (
    `(!(${present(base, 'securityContext', 'seLinuxOptions')}) || (` +
    `(!has(${o}.type) || ${o}.type in ${celStringList(SELINUX_TYPES)}) && ` +
    `(!has(${o}.user) || ${o}.user == '') && (!has(${o}.role) || ${o}.role == '')))`
  );
}

/** A seccomp or AppArmor profile type, when set, is one of `allowed`. */
function profileOk(base: string, field: string, allowed: string[]): string {
  return `(!(${present(base, 'securityContext', field, 'type')}) || ${base}.securityContext.${field}.type in ${celStringList(allowed)})`;
}

function profileSetTo(base: string, field: string, allowed: string[]): string {
  return `(${present(base, 'securityContext', field, 'type')} && ${base}.securityContext.${field}.type in ${celStringList(allowed)})`;
}

/** The `host` of an httpGet or tcpSocket handler at `base.<path>` is unset or empty. */
function noHandlerHost(base: string, ...path: string[]): string {
  return ['httpGet', 'tcpSocket']
    .map(
      (action) =>
        `(!(${present(base, ...path, action, 'host')}) || ${[base, ...path, action].join('.')}.host == '')`,
    )
    .join(' && ');
}

/** Probes and lifecycle handlers whose `host` Baseline restricts from v1.34 on. */
const HANDLERS: { path: string[]; field: string }[] = [
  ...['livenessProbe', 'readinessProbe', 'startupProbe'].map((p) => ({ path: [p], field: p })),
  ...['postStart', 'preStop'].map((h) => ({ path: ['lifecycle', h], field: `lifecycle.${h}` })),
];

const SECCOMP_OK = ['RuntimeDefault', 'Localhost'];
const ALL = '(variables.containers + variables.initContainers + variables.ephemeralContainers)';

/** runAsNonRoot false nowhere, and true on every container or on the pod (check_runAsNonRoot.go). */
export const NON_ROOT =
  `!${equals('false', 'variables.spec', 'securityContext', 'runAsNonRoot')} && ` +
  `${ALL}.all(c, (${present('c', 'securityContext', 'runAsNonRoot')}) ? ` +
  `c.securityContext.runAsNonRoot : ${equals('true', 'variables.spec', 'securityContext', 'runAsNonRoot')})`;
/** The pod-level runAsUser is not 0 (check_runAsUser.go). */
export const POD_NOT_UID_0 = `!${equals('0', 'variables.spec', 'securityContext', 'runAsUser')}`;
/** A container's runAsUser is not 0. */
export const containerNotUid0 = (c: string): string =>
  `!${equals('0', c, 'securityContext', 'runAsUser')}`;

export const rule: AdmissionRule = workloadRule({
  id: ID,
  title: 'Pod Security Standards: Restricted, every control',
  blocks:
    'Privileged containers, host namespaces, hostPath and other non-Restricted volume types, host ports, ' +
    'probe and lifecycle handlers aimed at another host, capabilities beyond dropping ALL (adding at most ' +
    'NET_BIND_SERVICE), privilege escalation, running as root (outside a user namespace), seccomp other than ' +
    'RuntimeDefault/Localhost, AppArmor other than runtime/default or localhost, custom SELinux users/roles/types, ' +
    'unmasked /proc, unsafe sysctls, Windows hostProcess: exactly what Pod Security Admission restricted v1.35 refuses.',
  why:
    'Pod Security Admission enforces this on Pods only; the pack enforces it on pod templates too, so a weak ' +
    'Job or Deployment is refused when it is submitted, not when its pods fail to appear.',
  severity: 'critical',
  enabledByDefault: true,
  validations: [
    // Host namespaces (check_hostNamespaces.go).
    podField(
      ID,
      `!${equals('true', 'variables.spec', 'hostNetwork')}`,
      'hostNetwork',
      'must not be true',
    ),
    podField(ID, `!${equals('true', 'variables.spec', 'hostPID')}`, 'hostPID', 'must not be true'),
    podField(ID, `!${equals('true', 'variables.spec', 'hostIPC')}`, 'hostIPC', 'must not be true'),
    // Windows HostProcess (check_windowsHostProcess.go).
    podField(
      ID,
      `!${equals('true', 'variables.spec', 'securityContext', 'windowsOptions', 'hostProcess')}`,
      'securityContext.windowsOptions.hostProcess',
      'must not be true',
    ),
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) => `!${equals('true', c, 'securityContext', 'windowsOptions', 'hostProcess')}`,
      '.securityContext.windowsOptions.hostProcess',
      'must not be true',
    ),
    // Privileged (check_privileged.go).
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) => `!${equals('true', c, 'securityContext', 'privileged')}`,
      '.securityContext.privileged',
      'must not be true',
    ),
    // Capabilities: drop ALL, add at most NET_BIND_SERVICE; Windows pods exempt
    // (check_capabilities_restricted.go, which replaces check_capabilities_baseline.go).
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) =>
        `${WINDOWS} || (${present(c, 'securityContext', 'capabilities', 'drop')} && ${c}.securityContext.capabilities.drop.exists(x, x == 'ALL'))`,
      '.securityContext.capabilities.drop',
      'must include ALL',
    ),
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) =>
        `${WINDOWS} || !(${present(c, 'securityContext', 'capabilities', 'add')}) || ` +
        `${c}.securityContext.capabilities.add.all(x, x == 'NET_BIND_SERVICE')`,
      '.securityContext.capabilities.add',
      'may only add NET_BIND_SERVICE',
    ),
    // Privilege escalation; Windows pods exempt (check_allowPrivilegeEscalation.go).
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) => `${WINDOWS} || ${equals('false', c, 'securityContext', 'allowPrivilegeEscalation')}`,
      '.securityContext.allowPrivilegeEscalation',
      'must be false',
    ),
    // Volume types (check_restrictedVolumes.go, which replaces check_hostPathVolumes.go).
    podField(
      ID,
      `!has(variables.spec.volumes) || variables.spec.volumes.all(v, ${RESTRICTED_VOLUME_TYPES.map((t) => `has(v.${t})`).join(' || ')})`,
      'volumes',
      `only ${RESTRICTED_VOLUME_TYPES.join(', ')} volumes are allowed`,
    ),
    // Host ports (check_hostPorts.go).
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) => `!has(${c}.ports) || ${c}.ports.all(p, !has(p.hostPort) || p.hostPort == 0)`,
      '.ports.hostPort',
      'must not be set',
    ),
    // Probe and lifecycle hosts: unset or empty (check_hostProbesAndhostLifecycle.go, v1.34).
    ...HANDLERS.flatMap((h) =>
      everyContainer(
        ID,
        ALL_CONTAINER_LISTS,
        (c) => noHandlerHost(c, ...h.path),
        `.${h.field}`,
        'httpGet.host and tcpSocket.host must be unset or empty',
      ),
    ),
    // Non-root (check_runAsNonRoot.go): false nowhere, and true on every container or on the pod;
    // any value when the pod has its own user namespace (v1.35).
    podField(
      ID,
      `${USER_NAMESPACE} || (${NON_ROOT})`,
      'securityContext.runAsNonRoot',
      'must be true on the pod or on every container, and false on none (any value with hostUsers: false)',
    ),
    // Not uid 0 (check_runAsUser.go); any value when the pod has its own user namespace (v1.35).
    podField(
      ID,
      `${USER_NAMESPACE} || ${POD_NOT_UID_0}`,
      'securityContext.runAsUser',
      'must not be 0 (any value with hostUsers: false)',
    ),
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) => `${USER_NAMESPACE} || ${containerNotUid0(c)}`,
      '.securityContext.runAsUser',
      'must not be 0 (any value with hostUsers: false)',
    ),
    // Seccomp: RuntimeDefault or Localhost on the pod or on every container; never Unconfined;
    // Windows pods exempt (check_seccompProfile_restricted.go).
    podField(
      ID,
      `${WINDOWS} || (${profileSetTo('variables.spec', 'seccompProfile', SECCOMP_OK)} ? ` +
        `${ALL}.all(c, ${profileOk('c', 'seccompProfile', SECCOMP_OK)}) : ` +
        `(${profileOk('variables.spec', 'seccompProfile', SECCOMP_OK)} && ${ALL}.all(c, ${profileSetTo('c', 'seccompProfile', SECCOMP_OK)})))`,
      'securityContext.seccompProfile.type',
      'must be RuntimeDefault or Localhost on the pod or on every container, and Unconfined nowhere',
    ),
    // AppArmor: field and annotations (check_appArmorProfile.go); an empty annotation is allowed.
    podField(
      ID,
      `${profileOk('variables.spec', 'appArmorProfile', SECCOMP_OK)} && ${ALL}.all(c, ${profileOk('c', 'appArmorProfile', SECCOMP_OK)})`,
      'securityContext.appArmorProfile.type',
      'must be RuntimeDefault or Localhost wherever it is set',
    ),
    {
      expression:
        "variables.annotations.all(k, !k.startsWith('container.apparmor.security.beta.kubernetes.io/') || " +
        "variables.annotations[k] == '' || variables.annotations[k] == 'runtime/default' || " +
        "variables.annotations[k].startsWith('localhost/'))",
      messageExpression: `'metadata.annotations: AppArmor annotations must be empty, runtime/default or localhost/* [${ID}]'`,
    },
    // SELinux (check_seLinuxOptions.go).
    podField(
      ID,
      `${seLinuxOk('variables.spec')} && ${ALL}.all(c, ${seLinuxOk('c')})`,
      'securityContext.seLinuxOptions',
      `type must be one of ${SELINUX_TYPES.filter((t) => t).join(', ')}; user and role must be unset (on the pod and on every container)`,
    ),
    // /proc mount: Default even in a user namespace (check_procMount_restricted.go, v1.35).
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) =>
        `!(${present(c, 'securityContext', 'procMount')}) || ${c}.securityContext.procMount == 'Default'`,
      '.securityContext.procMount',
      'must be Default',
    ),
    // Sysctls (check_sysctls.go).
    podField(
      ID,
      `!(${present('variables.spec', 'securityContext', 'sysctls')}) || variables.spec.securityContext.sysctls.all(s, s.name in ${celStringList(SAFE_SYSCTLS)})`,
      'securityContext.sysctls',
      'only the safe sysctls are allowed',
    ),
  ],
});
