// Fixtures of this rule: compliant variants (good) and attacks (bad). See ../fixtures/catalogue.ts.
import { FixtureCase, bad, good, sc } from '../fixtures/cases';
import { HEX, podMetaOf } from '../fixtures/workloads';

const R3 = 'SBX-R3-pod-security-restricted';

export const fixtures: FixtureCase[] = [
  good(
    R3,
    'Pod',
    'net-bind-service',
    'Adding NET_BIND_SERVICE is the one capability Restricted allows',
    (s) => {
      sc(s.containers[0]).capabilities.add = ['NET_BIND_SERVICE'];
    },
  ),
  good(
    R3,
    'Job',
    'container-level-only',
    'runAsNonRoot and seccomp set on every container instead of the pod',
    (s) => {
      s.securityContext = {};
      Object.assign(sc(s.containers[0]), {
        runAsNonRoot: true,
        seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/agent.json' },
      });
    },
  ),
  good(
    R3,
    'Pod',
    'apparmor-runtime-default',
    'AppArmor runtime/default, as field and annotation',
    (s, w) => {
      s.securityContext.appArmorProfile = { type: 'RuntimeDefault' };
      w.metadata.annotations = {
        'container.apparmor.security.beta.kubernetes.io/agent': 'runtime/default',
      };
    },
  ),
  good(
    R3,
    'Deployment',
    'safe-sysctl-and-selinux',
    'A safe sysctl and the container_t SELinux type',
    (s) => {
      s.securityContext.sysctls = [{ name: 'net.ipv4.ip_local_port_range', value: '32768 60999' }];
      s.securityContext.seLinuxOptions = { type: 'container_t', level: 's0:c123,c456' };
    },
  ),
  good(
    R3,
    'Pod',
    'image-volume',
    'A read-only image volume pinned by digest (a Restricted volume type; ImageVolume is on by default in v1.35)',
    (s) => {
      s.volumes.push({
        name: 'tools',
        image: {
          reference: `registry.example.com/tasks/tools@sha256:${HEX}`,
          pullPolicy: 'IfNotPresent',
        },
      });
      s.containers[0].volumeMounts.push({ name: 'tools', mountPath: '/opt/tools', readOnly: true });
    },
  ),
  good(
    R3,
    'Deployment',
    'tcp-buffer-sysctls',
    'The TCP buffer sysctls Baseline allows since v1.32',
    (s) => {
      s.securityContext.sysctls = [
        { name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' },
        { name: 'net.ipv4.tcp_wmem', value: '4096 16384 4194304' },
      ];
    },
  ),
  good(
    R3,
    'Job',
    'probe-empty-host',
    'Probes and a lifecycle hook that leave host empty target the pod itself',
    (s) => {
      Object.assign(s.containers[0], {
        livenessProbe: { httpGet: { path: '/healthz', port: 8080, host: '' } },
        readinessProbe: { tcpSocket: { port: 8080 } },
        lifecycle: { preStop: { httpGet: { path: '/drain', port: 8080 } } },
      });
    },
  ),
  good(
    R3,
    'Pod',
    'user-namespace',
    'A pod with its own user namespace (hostUsers: false), still non-root (root there is SBX-R18’s)',
    (s) => {
      s.hostUsers = false;
    },
  ),
  good(
    R3,
    'Pod',
    'apparmor-annotation-empty',
    'An empty AppArmor annotation keeps the runtime default',
    (_s, w) => {
      w.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/agent': '' };
    },
  ),
  bad(R3, 'Pod', 'privileged', 'A privileged container: every device, every capability', (s) => {
    // The API server refuses privileged together with allowPrivilegeEscalation: false.
    sc(s.containers[0]).privileged = true;
    delete sc(s.containers[0]).allowPrivilegeEscalation;
  }),
  bad(
    R3,
    'Job',
    'host-network',
    'Shares the node network: bypasses every NetworkPolicy',
    (s) => (s.hostNetwork = true),
  ),
  bad(R3, 'CronJob', 'host-pid', 'Sees every process on the node', (s) => (s.hostPID = true)),
  bad(R3, 'Deployment', 'host-ipc', 'Shares the node IPC namespace', (s) => (s.hostIPC = true)),
  bad(R3, 'StatefulSet', 'host-path', 'Mounts the node root filesystem', (s) => {
    s.volumes.push({ name: 'host', hostPath: { path: '/' } });
  }),
  bad(
    R3,
    'ReplicaSet',
    'host-port',
    'Binds a port on the node',
    (s) => (s.containers[0].ports = [{ containerPort: 8080, hostPort: 8080 }]),
  ),
  bad(
    R3,
    'Pod',
    'cap-sys-admin',
    'Adds CAP_SYS_ADMIN',
    (s) => (sc(s.containers[0]).capabilities.add = ['SYS_ADMIN']),
  ),
  bad(
    R3,
    'Job',
    'no-drop-all',
    'Keeps the default capabilities',
    (s) => delete sc(s.containers[0]).capabilities,
  ),
  bad(
    R3,
    'Pod',
    'privilege-escalation',
    'Allows setuid binaries to gain privileges',
    (s) => (sc(s.containers[0]).allowPrivilegeEscalation = true),
  ),
  bad(
    R3,
    'Deployment',
    'run-as-non-root-false',
    'A container opts out of runAsNonRoot',
    (s) => (sc(s.containers[0]).runAsNonRoot = false),
  ),
  bad(
    R3,
    'Job',
    'run-as-root',
    'A container runs as uid 0',
    (s) => (sc(s.containers[0]).runAsUser = 0),
  ),
  bad(
    R3,
    'Pod',
    'no-run-as-non-root',
    'Nothing says the pod runs as non-root',
    (s) => delete s.securityContext.runAsNonRoot,
  ),
  bad(
    R3,
    'Pod',
    'seccomp-unconfined',
    'A container turns seccomp off',
    (s) => (sc(s.containers[0]).seccompProfile = { type: 'Unconfined' }),
  ),
  bad(
    R3,
    'CronJob',
    'no-seccomp',
    'No seccomp profile anywhere',
    (s) => delete s.securityContext.seccompProfile,
  ),
  bad(
    R3,
    'Pod',
    'apparmor-unconfined',
    'AppArmor switched off by field',
    (s) => (s.securityContext.appArmorProfile = { type: 'Unconfined' }),
  ),
  bad(
    R3,
    'Job',
    'apparmor-annotation-unconfined',
    'AppArmor switched off by annotation',
    (_s, w) => {
      podMetaOf(w).annotations = {
        'container.apparmor.security.beta.kubernetes.io/agent': 'unconfined',
      };
    },
  ),
  bad(
    R3,
    'StatefulSet',
    'selinux-spc',
    'The super-privileged SELinux type',
    (s) => (s.securityContext.seLinuxOptions = { type: 'spc_t' }),
  ),
  bad(
    R3,
    'Job',
    'container-selinux-spc',
    'The super-privileged SELinux type on a container, none on the pod',
    (s) => (sc(s.containers[0]).seLinuxOptions = { type: 'spc_t' }),
  ),
  bad(R3, 'Pod', 'proc-mount-unmasked', 'Unmasks /proc (valid only in a user namespace)', (s) => {
    s.hostUsers = false;
    sc(s.containers[0]).procMount = 'Unmasked';
  }),
  bad(R3, 'ReplicaSet', 'unsafe-sysctl', 'Sets a node-wide kernel parameter', (s) => {
    s.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }];
  }),
  bad(
    R3,
    'Job',
    'probe-host',
    'The kubelet probes another host from the node network (metadata endpoint SSRF)',
    (s) => {
      s.containers[0].livenessProbe = {
        httpGet: { path: '/latest/meta-data/', port: 80, host: '169.254.169.254' },
      };
    },
  ),
  bad(
    R3,
    'Job',
    'lifecycle-host',
    'A preStop hook makes the kubelet call another host from the node network',
    (s) => {
      s.containers[0].lifecycle = {
        preStop: { httpGet: { path: '/', port: 10250, host: '10.0.0.1' } },
      };
    },
  ),
  bad(
    R3,
    'CronJob',
    'startup-probe-tcp-host',
    'A TCP startup probe aimed at another host (port scan from the node)',
    (s) => {
      s.containers[0].startupProbe = { tcpSocket: { port: 22, host: '10.0.0.1' } };
    },
  ),
  bad(
    R3,
    'Pod',
    'lifecycle-tcp-host',
    'A deprecated tcpSocket postStart hook aimed at another host',
    (s) => {
      s.containers[0].lifecycle = { postStart: { tcpSocket: { port: 6443, host: '10.0.0.1' } } };
    },
  ),
  bad(
    R3,
    'Deployment',
    'pod-run-as-non-root-false',
    'The pod says runAsNonRoot: false even though every container says true',
    (s) => {
      s.securityContext.runAsNonRoot = false;
      sc(s.containers[0]).runAsNonRoot = true;
    },
  ),
  bad(
    R3,
    'Deployment',
    'windows-host-process',
    'A Windows HostProcess container (full node access)',
    (s) => {
      // HostProcess pods must use the host network too.
      s.securityContext.windowsOptions = { hostProcess: true };
      s.hostNetwork = true;
    },
  ),
];
