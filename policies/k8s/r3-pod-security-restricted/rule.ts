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

/** Volume types the Restricted profile allows. */
export const RESTRICTED_VOLUME_TYPES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

/** Sysctls the Baseline (and so Restricted) profile allows. */
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
];

const SELINUX_TYPES = [
  '',
  'container_t',
  'container_init_t',
  'container_kvm_t',
  'container_engine_t',
];

/** An seLinuxOptions object (at `base.securityContext.seLinuxOptions`) within Baseline limits. */
function seLinuxOk(base: string): string {
  const o = `${base}.securityContext.seLinuxOptions`;
  return (
    `!(${present(base, 'securityContext', 'seLinuxOptions')}) || (` +
    `(!has(${o}.type) || ${o}.type in ${celStringList(SELINUX_TYPES)}) && ` +
    `(!has(${o}.user) || ${o}.user == '') && (!has(${o}.role) || ${o}.role == ''))`
  );
}

/** A seccomp or AppArmor profile type, when set, is one of `allowed`. */
function profileOk(base: string, field: string, allowed: string[]): string {
  return `(!(${present(base, 'securityContext', field, 'type')}) || ${base}.securityContext.${field}.type in ${celStringList(allowed)})`;
}

function profileSetTo(base: string, field: string, allowed: string[]): string {
  return `(${present(base, 'securityContext', field, 'type')} && ${base}.securityContext.${field}.type in ${celStringList(allowed)})`;
}

const SECCOMP_OK = ['RuntimeDefault', 'Localhost'];
const ALL = '(variables.containers + variables.initContainers + variables.ephemeralContainers)';

export const rule: AdmissionRule = workloadRule({
  id: ID,
  title: 'Pod Security Standards: Restricted, every control',
  blocks:
    'Privileged containers, host namespaces, hostPath and other non-Restricted volume types, host ports, ' +
    'capabilities beyond dropping ALL (adding at most NET_BIND_SERVICE), privilege escalation, running as ' +
    'root, seccomp other than RuntimeDefault/Localhost, AppArmor other than runtime/default or localhost, ' +
    'custom SELinux users/roles/types, unmasked /proc, unsafe sysctls, Windows hostProcess.',
  why:
    'Pod Security Admission enforces this on Pods only; the pack enforces it on pod templates too, so a weak ' +
    'Job or Deployment is refused when it is submitted, not when its pods fail to appear.',
  severity: 'critical',
  enabledByDefault: true,
  validations: [
    // Host namespaces.
    podField(
      ID,
      `!${equals('true', 'variables.spec', 'hostNetwork')}`,
      'hostNetwork',
      'must not be true',
    ),
    podField(ID, `!${equals('true', 'variables.spec', 'hostPID')}`, 'hostPID', 'must not be true'),
    podField(ID, `!${equals('true', 'variables.spec', 'hostIPC')}`, 'hostIPC', 'must not be true'),
    // Windows HostProcess.
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
    // Privileged.
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) => `!${equals('true', c, 'securityContext', 'privileged')}`,
      '.securityContext.privileged',
      'must not be true',
    ),
    // Capabilities: drop ALL, add at most NET_BIND_SERVICE.
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) =>
        `${present(c, 'securityContext', 'capabilities', 'drop')} && ${c}.securityContext.capabilities.drop.exists(x, x == 'ALL')`,
      '.securityContext.capabilities.drop',
      'must include ALL',
    ),
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) =>
        `!(${present(c, 'securityContext', 'capabilities', 'add')}) || ` +
        `${c}.securityContext.capabilities.add.all(x, x == 'NET_BIND_SERVICE')`,
      '.securityContext.capabilities.add',
      'may only add NET_BIND_SERVICE',
    ),
    // Privilege escalation.
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) => equals('false', c, 'securityContext', 'allowPrivilegeEscalation'),
      '.securityContext.allowPrivilegeEscalation',
      'must be false',
    ),
    // Volume types (no hostPath).
    podField(
      ID,
      `!has(variables.spec.volumes) || variables.spec.volumes.all(v, ${RESTRICTED_VOLUME_TYPES.map((t) => `has(v.${t})`).join(' || ')})`,
      'volumes',
      `only ${RESTRICTED_VOLUME_TYPES.join(', ')} volumes are allowed`,
    ),
    // Host ports.
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) => `!has(${c}.ports) || ${c}.ports.all(p, !has(p.hostPort) || p.hostPort == 0)`,
      '.ports.hostPort',
      'must not be set',
    ),
    // Non-root: the pod says so and no container says otherwise, or every container says so.
    podField(
      ID,
      `${equals('true', 'variables.spec', 'securityContext', 'runAsNonRoot')} ? ` +
        `${ALL}.all(c, !${equals('false', 'c', 'securityContext', 'runAsNonRoot')}) : ` +
        `${ALL}.all(c, ${equals('true', 'c', 'securityContext', 'runAsNonRoot')})`,
      'securityContext.runAsNonRoot',
      'must be true on the pod or on every container, and false on none',
    ),
    podField(
      ID,
      `!${equals('0', 'variables.spec', 'securityContext', 'runAsUser')}`,
      'securityContext.runAsUser',
      'must not be 0',
    ),
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) => `!${equals('0', c, 'securityContext', 'runAsUser')}`,
      '.securityContext.runAsUser',
      'must not be 0',
    ),
    // Seccomp: RuntimeDefault or Localhost on the pod or on every container; never Unconfined.
    podField(
      ID,
      `${profileSetTo('variables.spec', 'seccompProfile', SECCOMP_OK)} ? ` +
        `${ALL}.all(c, ${profileOk('c', 'seccompProfile', SECCOMP_OK)}) : ` +
        `(${profileOk('variables.spec', 'seccompProfile', SECCOMP_OK)} && ${ALL}.all(c, ${profileSetTo('c', 'seccompProfile', SECCOMP_OK)}))`,
      'securityContext.seccompProfile.type',
      'must be RuntimeDefault or Localhost on the pod or on every container, and Unconfined nowhere',
    ),
    // AppArmor: field and annotations.
    podField(
      ID,
      `${profileOk('variables.spec', 'appArmorProfile', SECCOMP_OK)} && ${ALL}.all(c, ${profileOk('c', 'appArmorProfile', SECCOMP_OK)})`,
      'securityContext.appArmorProfile.type',
      'must be RuntimeDefault or Localhost wherever it is set',
    ),
    {
      expression:
        "variables.annotations.all(k, !k.startsWith('container.apparmor.security.beta.kubernetes.io/') || " +
        "variables.annotations[k] == 'runtime/default' || variables.annotations[k].startsWith('localhost/'))",
      messageExpression: `'metadata.annotations: AppArmor annotations must be runtime/default or localhost/* [${ID}]'`,
    },
    // SELinux.
    podField(
      ID,
      `${seLinuxOk('variables.spec')} && ${ALL}.all(c, ${seLinuxOk('c')})`,
      'securityContext.seLinuxOptions',
      `type must be one of ${SELINUX_TYPES.filter((t) => t).join(', ')}; user and role must be unset`,
    ),
    // /proc mount.
    ...everyContainer(
      ID,
      ALL_CONTAINER_LISTS,
      (c) =>
        `!(${present(c, 'securityContext', 'procMount')}) || ${c}.securityContext.procMount == 'Default'`,
      '.securityContext.procMount',
      'must be Default',
    ),
    // Sysctls.
    podField(
      ID,
      `!(${present('variables.spec', 'securityContext', 'sysctls')}) || variables.spec.securityContext.sysctls.all(s, s.name in ${celStringList(SAFE_SYSCTLS)})`,
      'securityContext.sysctls',
      'only the safe sysctls are allowed',
    ),
  ],
});
