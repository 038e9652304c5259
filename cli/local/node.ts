/**
 * One real worker node beside the local control plane (`eval-sandbox local up --node`, the node
 * tests): containerd 2 with the gVisor shim registered exactly as the `GvisorNodeGroup` user data
 * registers it, kubelet, kube-proxy, kube-router's NetworkPolicy controller, the bridge CNI plugin
 * and CoreDNS, in a user namespace of their own (ADR 0004), plus kube-scheduler and the controllers
 * pods need on the host. The node is labelled and tainted like the gVisor pool.
 *
 * The node's network namespace is joined to the host by a veth pair: the API server listens on the
 * host end, the kubelet on the node end. Behind the node sits "the world", a third network
 * namespace with stand-in listeners (instance metadata, an allowlisted and a forbidden address, a
 * DNS resolver that is not the cluster's), so a pod's egress is forwarded as on a real node and
 * "unreachable" can be told from "nothing there". See docs/local-node.md.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { PlatformChart } from '../../charts/platform-chart';
import {
  containerdSnippet,
  runscToml,
  RUNSC_CONFIG_PATH,
} from '../../constructs/aws/gvisor-bootstrap';
import {
  SANDBOX_NODE_LABEL,
  SANDBOX_NODE_LABEL_VALUE,
  SANDBOX_NODE_TAINT_EFFECT,
  SANDBOX_NODE_TAINT_KEY,
  SANDBOX_NODE_TAINT_VALUE,
} from '../../constructs/shared/labels';
import { ControlPlane } from './control-plane';
import { KubeClient, KubeObject } from './kube-client';

/** The node's name in the API. */
export const NODE_NAME = 'eval-sandbox-node';
/** The pods' addresses (one node: one /24 of it). */
export const POD_CIDR = '10.244.0.0/24';
/** The cluster DNS Service's address, in the control plane's Service range (10.96.0.0/16). */
export const CLUSTER_DNS_IP = '10.96.0.10';

/**
 * The stand-ins in the node's world (`tcp:` answers HTTP, `dns:` answers every A query). The
 * example sandboxes' probes expect exactly these.
 */
export const STANDINS = {
  /** EC2 instance metadata. */
  metadata: 'tcp:169.254.169.254:80',
  /** The EKS Pod Identity agent. */
  podIdentity: 'tcp:169.254.170.23:80',
  /** Inside the swe example's allowlist (10.20.0.0/16, port 443). */
  allowlisted: 'tcp:10.20.0.10:443',
  /** Outside every allowlist. */
  forbidden: 'tcp:10.30.0.10:443',
  /** A DNS resolver that is not the cluster's. */
  outsideDns: 'dns:10.30.0.53:53',
} as const;

/** The programs a node runs, by the names the build scripts print. */
export interface NodeTools {
  readonly containerd: string;
  readonly runsc: string;
  readonly 'containerd-shim-runsc-v1': string;
  readonly 'containerd-shim-runc-v2': string;
  readonly kubelet: string;
  readonly 'kube-proxy': string;
  readonly 'kube-scheduler': string;
  readonly 'kube-router': string;
  readonly cni: string;
  readonly ctr: string;
  readonly 'probe-binary': string;
  readonly 'probe-image': string;
  readonly 'pause-image': string;
  readonly 'coredns-image': string;
  /** The sandbox janitor's image (busybox + kubectl), so its CronJob can run here. */
  readonly 'janitor-image': string;
}

const NODE_TOOLS: readonly (keyof NodeTools)[] = [
  'containerd',
  'runsc',
  'containerd-shim-runsc-v1',
  'containerd-shim-runc-v2',
  'kubelet',
  'kube-proxy',
  'kube-scheduler',
  'kube-router',
  'cni',
  'ctr',
  'probe-binary',
  'probe-image',
  'pause-image',
  'coredns-image',
  'janitor-image',
];

/** An image the node imports: its archive and its `repo@sha256:…` reference. */
interface NodeImage {
  readonly archive: string;
  readonly ref: string;
}

/** Runs the build scripts shipped with the package and returns what they print (`name path [ref]`). */
export function buildNodeTools(scriptsDir: string): {
  tools: NodeTools;
  refs: Record<string, string>;
} {
  const tools: Record<string, string> = {};
  const refs: Record<string, string> = {};
  for (const script of ['build-node-tools.sh', 'build-local-node.sh', 'build-images.sh']) {
    const out = execFileSync('bash', [path.join(scriptsDir, script)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    for (const line of out.trim().split('\n')) {
      const [name, file, ref] = line.split(' ');
      tools[name] = file;
      if (ref) refs[name] = ref;
    }
  }
  const missing = NODE_TOOLS.filter((name) => !tools[name] || !fs.existsSync(tools[name]));
  if (missing.length > 0) {
    throw new Error(
      `the node build scripts in ${scriptsDir} did not produce ${missing.join(', ')}; run them (npm run node-tools:build, npm run local-node:build, npm run images:build) and read their output`,
    );
  }
  return { tools: tools as unknown as NodeTools, refs };
}

export interface LocalNodeOptions {
  readonly tools: NodeTools;
  /** `repo@sha256:…` of each image tool (probe-image, pause-image, coredns-image, janitor-image). */
  readonly imageRefs: Record<string, string>;
  /** Where the control plane and node keep their state (a folder per instance). */
  readonly stateDir: string;
  /** The folder of `local-node-init.sh`. */
  readonly scriptsDir: string;
  readonly log?: (line: string) => void;
  /** Let the processes outlive this Node process (`local up`). */
  readonly detach?: boolean;
  /** Extra users of the control plane (name → groups). */
  readonly users?: Record<string, string[]>;
  /** Paths of etcd, kube-apiserver, kube-controller-manager. */
  readonly etcd: string;
  readonly apiserver: string;
  readonly controllerManager: string;
}

/** The node's link to the host: a /30 of 10.250.0.0/16 no host interface uses yet. */
function pickLink(): { host: string; node: string; ifname: string } {
  const used = execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' });
  for (let tries = 0; tries < 200; tries++) {
    const n = Math.floor(Math.random() * 16_384);
    const base = `10.250.${Math.floor(n / 64)}.${(n % 64) * 4}`;
    const [a, b, c, d] = base.split('.').map(Number);
    const host = `${a}.${b}.${c}.${d + 1}`;
    if (used.includes(` ${host}/`)) continue;
    return {
      host,
      node: `${a}.${b}.${c}.${d + 2}`,
      ifname: `esb${n.toString(16).padStart(4, '0')}`,
    };
  }
  throw new Error('no free /30 in 10.250.0.0/16 for the node link');
}

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA and a client certificate the API server shows the kubelet (`openssl`, from the distribution). */
function kubeletClientCerts(dir: string): { ca: string; cert: string; key: string } {
  const ca = path.join(dir, 'kubelet-client-ca.crt');
  const caKey = path.join(dir, 'kubelet-client-ca.key');
  const cert = path.join(dir, 'apiserver-kubelet-client.crt');
  const key = path.join(dir, 'apiserver-kubelet-client.key');
  const csr = path.join(dir, 'apiserver-kubelet-client.csr');
  const ext = path.join(dir, 'apiserver-kubelet-client.ext');
  const ossl = (...args: string[]) => run('openssl', args);
  ossl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '30',
    '-keyout',
    caKey,
    '-out',
    ca,
    '-subj',
    '/CN=eval-sandbox-local-kubelet-client-ca',
  );
  // system:masters: the kubelet asks the API server whether this identity may exec, read logs, …
  ossl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    '/O=system:masters/CN=kube-apiserver-kubelet-client',
  );
  fs.writeFileSync(ext, 'extendedKeyUsage=clientAuth\n');
  ossl(
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca,
    '-CAkey',
    caKey,
    '-CAcreateserial',
    '-days',
    '30',
    '-out',
    cert,
    '-extfile',
    ext,
  );
  fs.chmodSync(key, 0o600);
  fs.chmodSync(caKey, 0o600);
  return { ca, cert, key };
}

export class LocalNode {
  /**
   * Starts the control plane (on the host end of the node's link), the scheduler, the node, then
   * applies the platform, CoreDNS and what the node's agents may read; waits until the node is
   * Ready and cluster DNS answers.
   */
  public static async start(
    o: LocalNodeOptions,
  ): Promise<{ plane: ControlPlane; node: LocalNode; platformObjects: number }> {
    const log = o.log ?? (() => undefined);
    if (process.getuid?.() !== 0) {
      throw new Error(
        'the local node needs root (it creates a network link and cgroups, and maps the user namespace): run as root, e.g. with sudo',
      );
    }
    for (const [tool, pkg] of [
      ['ip', 'iproute2'],
      ['unshare', 'util-linux'],
      ['nsenter', 'util-linux'],
      ['iptables', 'iptables'],
      ['ipset', 'ipset'],
      ['runc', 'runc'],
      ['openssl', 'openssl'],
    ]) {
      try {
        execFileSync('bash', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      } catch {
        throw new Error(
          `the local node needs ${tool}: install the ${pkg} package (apt-get install ${pkg})`,
        );
      }
    }
    // With detached processes (unref'd) a request on a reused keep-alive socket does not keep
    // Node's event loop alive on its own: hold it open until the node is up.
    const keepAlive = setInterval(() => undefined, 1000);
    try {
      return await LocalNode.startNode(o, log);
    } finally {
      clearInterval(keepAlive);
    }
  }

  private static async startNode(
    o: LocalNodeOptions,
    log: (line: string) => void,
  ): Promise<{ plane: ControlPlane; node: LocalNode; platformObjects: number }> {
    const dir = path.resolve(o.stateDir);
    const nodeDir = path.join(dir, 'node');
    fs.mkdirSync(path.join(nodeDir, 'logs'), { recursive: true });
    const link = pickLink();
    const cgroupRoot = `/eval-sandbox-${path.basename(dir).replace(/[^a-zA-Z0-9-]/g, '-')}-${link.ifname}`;

    // 1. The node's namespaces, waiting for the link.
    const images: NodeImage[] = [
      'pause-image',
      'coredns-image',
      'probe-image',
      'janitor-image',
    ].map((name) => ({
      archive: o.tools[name as keyof NodeTools],
      ref: o.imageRefs[name],
    }));
    const toolDirs = [
      ...new Set(
        [
          o.tools.runsc,
          o.tools['containerd-shim-runsc-v1'],
          o.tools['containerd-shim-runc-v2'],
        ].map((t) => path.dirname(t)),
      ),
    ];
    const env: Record<string, string> = {
      PATH: [
        ...toolDirs,
        '/usr/local/sbin',
        '/usr/local/bin',
        '/usr/sbin',
        '/usr/bin',
        '/sbin',
        '/bin',
      ].join(':'),
      CONTAINERD: o.tools.containerd,
      CTR: o.tools.ctr,
      KUBELET: o.tools.kubelet,
      KUBE_PROXY: o.tools['kube-proxy'],
      KUBE_ROUTER: o.tools['kube-router'],
      CNI_DIR: o.tools.cni,
      PROBE: o.tools['probe-binary'],
      RUNSC_CONFIG_PATH,
      NODE_NAME,
      NODE_IP: link.node,
      NODE_LABELS: `${SANDBOX_NODE_LABEL}=${SANDBOX_NODE_LABEL_VALUE}`,
      NODE_TAINTS: `${SANDBOX_NODE_TAINT_KEY}=${SANDBOX_NODE_TAINT_VALUE}:${SANDBOX_NODE_TAINT_EFFECT}`,
      CGROUP_ROOT: cgroupRoot,
      POD_CIDR,
      STANDINS: Object.values(STANDINS).join(' '),
      IMAGES: images.map((i) => `${i.archive}=${i.ref}`).join(' '),
    };
    fs.writeFileSync(
      path.join(nodeDir, 'node.env'),
      Object.entries(env)
        .map(([k, v]) => `${k}=${shellQuote(v)}`)
        .join('\n') + '\n',
    );
    fs.writeFileSync(path.join(nodeDir, 'containerd.toml'), containerdConfig(images[0].ref));
    fs.writeFileSync(path.join(nodeDir, 'runsc.toml'), runscToml());
    fs.writeFileSync(path.join(nodeDir, 'cni.conflist'), cniConfig());
    fs.writeFileSync(path.join(nodeDir, 'resolv.conf'), '');
    const initLog = fs.openSync(path.join(nodeDir, 'logs', 'node-init.log'), 'a');
    log(`starting the node's namespaces (state in ${nodeDir})`);
    const unshare = spawn(
      'unshare',
      [
        '--user',
        '--mount',
        '--pid',
        '--fork',
        '--net',
        '--mount-proc',
        'bash',
        path.join(o.scriptsDir, 'local-node-init.sh'),
        nodeDir,
      ],
      {
        stdio: ['ignore', initLog, initLog],
        detached: o.detach ?? false,
        env: { ...process.env, ...env },
      },
    );
    const initPid = await childOf(unshare);
    // Every id but the last maps to itself (unshare's --map-users needs newuidmap; root may write
    // the maps): pods' users and groups exist (devpts' gid 5, 65532). Not the full range: with it,
    // containerd and the kubelet would believe they run in the host's user namespace and fail on
    // what only the host's root may do (OOM scores, /dev/kmsg).
    for (const map of ['uid_map', 'gid_map'])
      fs.writeFileSync(`/proc/${initPid}/${map}`, '0 0 4294967294\n');

    // 2. The link, then the control plane on its host end.
    run('ip', [
      'link',
      'add',
      link.ifname,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      String(initPid),
    ]);
    run('ip', ['addr', 'add', `${link.host}/30`, 'dev', link.ifname]);
    run('ip', ['link', 'set', link.ifname, 'up']);
    const certs = kubeletClientCerts(nodeDir);
    let plane: ControlPlane;
    try {
      plane = await ControlPlane.start({
        etcd: o.etcd,
        apiserver: o.apiserver,
        controllerManager: o.controllerManager,
        stateDir: dir,
        detach: o.detach,
        log,
        address: link.host,
        users: {
          ...o.users,
          [`system:node:${NODE_NAME}`]: ['system:nodes'],
          'system:kube-proxy': [],
          'system:kube-scheduler': [],
          'eval-sandbox:kube-router': [],
        },
        apiserverArgs: [
          `--kubelet-client-certificate=${certs.cert}`,
          `--kubelet-client-key=${certs.key}`,
          '--kubelet-preferred-address-types=InternalIP',
          '--enable-admission-plugins=NodeRestriction',
        ],
        controllers: [
          'resourcequota',
          'namespace',
          'serviceaccount',
          'garbagecollector',
          'validatingadmissionpolicy-status-controller',
          'job',
          'ttl-after-finished',
          'deployment',
          'replicaset',
          'endpointslice',
          'endpoint',
          'root-ca-cert-publisher',
          'podgc',
          'nodelifecycle',
        ],
        controllerManagerArgs: [
          `--root-ca-file=${path.join(dir, 'certs', 'apiserver.crt')}`,
          // Each controller acts as its own service account, as on EKS: the admission pack tells
          // a Job controller's pods from anyone else's by that identity (SBX-R7).
          '--use-service-account-credentials=true',
        ],
      });
    } catch (err) {
      unshare.kill('SIGTERM');
      throw err;
    }
    const node = new LocalNode(nodeDir, unshare, initPid, link, cgroupRoot);
    // The init, not unshare: SIGTERM to it stops the node (its trap), and its exit ends the PID
    // namespace, which takes every process of the node with it, runsc sandboxes included.
    plane.adopt({ pid: initPid, stop: () => node.stop() });
    try {
      // What the node's agents may do, before they start.
      const admin = plane.admin();
      for (const obj of nodeRbac()) await mustApply(admin, obj);
      for (const [user, file] of [
        [`system:node:${NODE_NAME}`, 'kubelet.kubeconfig'],
        ['system:kube-proxy', 'kube-proxy.kubeconfig'],
        ['system:kube-scheduler', 'kube-scheduler.kubeconfig'],
        ['eval-sandbox:kube-router', 'kube-router.kubeconfig'],
      ]) {
        plane.writeKubeconfig(path.join(nodeDir, file), user);
      }
      fs.writeFileSync(
        path.join(nodeDir, 'kubelet.yaml'),
        kubeletConfig(nodeDir, cgroupRoot, certs.ca),
      );
      fs.writeFileSync(path.join(nodeDir, 'kube-proxy.yaml'), kubeProxyConfig(nodeDir));

      const schedLog = fs.openSync(path.join(nodeDir, 'logs', 'kube-scheduler.log'), 'a');
      log('starting kube-scheduler');
      const scheduler = spawn(
        o.tools['kube-scheduler'],
        [
          `--kubeconfig=${path.join(nodeDir, 'kube-scheduler.kubeconfig')}`,
          `--authentication-kubeconfig=${path.join(nodeDir, 'kube-scheduler.kubeconfig')}`,
          `--authorization-kubeconfig=${path.join(nodeDir, 'kube-scheduler.kubeconfig')}`,
          '--leader-elect=false',
          '--secure-port=0',
          '--v=1',
        ],
        { stdio: ['ignore', schedLog, schedLog], detached: o.detach ?? false },
      );
      plane.adopt(scheduler);

      log(`plugging in the node (${link.ifname}: host ${link.host}, node ${link.node})`);
      fs.writeFileSync(path.join(nodeDir, 'net-ready'), '');
      await node.waitReady(plane, 120_000);

      // The kube-system baseline as this node's pods reach its API server: by the `kubernetes`
      // Service, and by the endpoint behind it (kube-router judges after kube-proxy translated it).
      const platform = Testing.synth(
        new PlatformChart(Testing.app(), 'platform', {
          kubeSystem: {
            apiServerCidrs: ['10.96.0.1/32', `${link.host}/32`],
            apiServerPorts: [443, Number(new URL(plane.server).port)],
          },
        }),
      );
      for (const obj of platform) await mustApply(admin, obj);
      for (const obj of coreDns(o.imageRefs['coredns-image'])) await mustApply(admin, obj);
      await node.waitForDns(plane, 120_000);
      if (o.detach) for (const p of [unshare, scheduler]) p.unref();
      log('node ready');
      return {
        plane,
        node,
        platformObjects: platform.filter((x) => x.kind === 'ValidatingAdmissionPolicy').length,
      };
    } catch (err) {
      await plane.stop();
      await node.cleanup().catch(() => undefined);
      throw err;
    }
  }

  private constructor(
    public readonly stateDir: string,
    private readonly proc: ChildProcess,
    private readonly initPid: number,
    public readonly link: { host: string; node: string; ifname: string },
    public readonly cgroupRoot: string,
  ) {}

  /** The last lines of one of the node's logs (`kubelet`, `containerd`, `kube-router`, …). */
  public logTail(name: string, lines = 30): string {
    const file = path.join(this.stateDir, 'logs', `${name}.log`);
    if (!fs.existsSync(file)) return `(no ${name}.log)`;
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  }

  /** Runs a command inside the node's namespaces (as the node's root) and returns its stdout. */
  public exec(args: string[]): string {
    const pid = String(this.initPid).trim();
    return execFileSync(
      'nsenter',
      [
        '--target',
        pid,
        '--user',
        '--mount',
        '--net',
        '--pid',
        '--preserve-credentials',
        '--',
        ...args,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  }

  private async waitReady(plane: ControlPlane, timeoutMs: number): Promise<void> {
    const admin = plane.admin();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await admin.request('GET', `/api/v1/nodes/${NODE_NAME}`).catch(() => undefined);
      const ready = (res?.body.status?.conditions ?? []).find(
        (c: KubeObject) => c.type === 'Ready' && c.status === 'True',
      );
      if (ready) return;
      if (this.proc.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `the node did not become Ready${this.proc.exitCode !== null ? ' (its init exited)' : ` in ${timeoutMs / 1000} s`}\n` +
            `--- node-init.log ---\n${this.logTail('node-init')}\n--- kubelet.log ---\n${this.logTail('kubelet')}\n--- containerd.log ---\n${this.logTail('containerd', 10)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /**
   * Waits for CoreDNS. On EKS it runs on the system pool; here the only node is a sandbox node in
   * strict mode (local-node-init.sh), where a pod's new connections are dropped until kube-router
   * has judged the pod, and kube-router never judges the egress of a pod that no policy selects for
   * egress, like CoreDNS. So once CoreDNS has an address, its own connections are exempted.
   */
  private async waitForDns(plane: ControlPlane, timeoutMs: number): Promise<void> {
    const admin = plane.admin();
    const deadline = Date.now() + timeoutMs;
    const exempted = new Set<string>();
    for (;;) {
      const pods = await admin
        .request('GET', '/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-dns')
        .catch(() => undefined);
      for (const pod of (pods?.body.items ?? []) as KubeObject[]) {
        const ip = pod.status?.podIP as string | undefined;
        if (ip && !exempted.has(ip)) {
          const comment = 'eval-sandbox strict mode: cluster DNS is not a sandbox';
          // Where strict mode drops (local-node-init.sh): before those rules, a RETURN.
          for (const chain of [
            ['-t', 'mangle', '-I', 'POSTROUTING'],
            ['-I', 'INPUT'],
          ]) {
            this.exec([
              'iptables',
              ...chain,
              '-s',
              ip,
              '-m',
              'comment',
              '--comment',
              comment,
              '-j',
              'RETURN',
            ]);
          }
          exempted.add(ip);
        }
      }
      const ready = (pods?.body.items ?? []).some((p: KubeObject) =>
        (p.status?.conditions ?? []).some(
          (c: KubeObject) => c.type === 'Ready' && c.status === 'True',
        ),
      );
      if (ready) return;
      if (Date.now() > deadline) {
        throw new Error(
          `CoreDNS not ready in ${timeoutMs / 1000} s: ${JSON.stringify(pods?.body.items?.map((p: KubeObject) => p.status))}\n--- kubelet.log ---\n${this.logTail('kubelet')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /**
   * Stops the node: SIGTERM to its init, SIGKILL after 15 s; the end of its PID namespace takes
   * every process of the node with it. Then removes its link and cgroups.
   */
  public async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      // unshare exits when the init does.
      const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
      const signal = (sig: NodeJS.Signals) => {
        try {
          process.kill(this.initPid, sig);
        } catch {
          // Already gone.
        }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await this.cleanup();
  }

  /**
   * Removes what outlives the namespaces: the host end of the link and the kubelet's cgroups.
   * Throws naming the cgroups that still hold processes.
   */
  public async cleanup(): Promise<void> {
    const left = await removeNodeLeftovers(this.link.ifname, this.cgroupRoot);
    if (left.length > 0)
      throw new Error(`cgroups of the node still hold processes: ${left.join(', ')}`);
  }
}

/**
 * Deletes the host end of a node link (if still there) and the node's cgroup tree; returns the
 * cgroups that could not be removed (still holding processes after a few seconds).
 */
export async function removeNodeLeftovers(ifname: string, cgroupRoot: string): Promise<string[]> {
  try {
    run('ip', ['link', 'del', ifname]);
  } catch {
    // Gone with the node's network namespace.
  }
  const roots = () =>
    fs
      .readdirSync('/sys/fs/cgroup')
      .map((ctrl) => path.join('/sys/fs/cgroup', ctrl, cgroupRoot))
      .filter((root) => fs.existsSync(root));
  // The kernel empties a dead namespace's cgroups a moment after its last process exits.
  for (let i = 0; i < 50 && roots().length > 0; i++) {
    for (const root of roots()) removeCgroupTree(root);
    if (roots().length > 0) await new Promise((r) => setTimeout(r, 100));
  }
  return roots();
}

function removeCgroupTree(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(path.join(dir, entry.name));
  }
  try {
    fs.rmdirSync(dir);
  } catch {
    // Still holds processes: the caller tries again, then reports it.
  }
}

/** The pid (in the host's namespace) of unshare's forked child, the node's init. */
async function childOf(proc: ChildProcess): Promise<number> {
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`unshare exited with code ${proc.exitCode}`);
    try {
      const children = fs
        .readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8')
        .trim();
      if (children) return Number(children.split(' ')[0]);
    } catch {
      // Not there yet.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the node namespace did not start');
}

async function mustApply(client: KubeClient, obj: KubeObject): Promise<void> {
  const res = await client.apply(obj);
  if (res.status >= 300)
    throw new Error(
      `applying ${obj.kind}/${obj.metadata.name} failed: ${res.status} ${res.body.message}`,
    );
}

function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

/**
 * containerd 2 for a node in a user namespace: runc as the default runtime, our pause image, and
 * then the gVisor snippet of the EKS user data, verbatim. `restrict_oom_score_adj` and
 * `disable_apparmor` are containerd's documented settings for a user namespace (ADR 0004).
 */
function containerdConfig(pauseRef: string): string {
  return [
    'version = 3',
    'root = "/var/lib/containerd"',
    'state = "/run/containerd"',
    '',
    '[grpc]',
    '  address = "/run/containerd/containerd.sock"',
    '',
    '[plugins."io.containerd.cri.v1.images".pinned_images]',
    `  sandbox = "${pauseRef}"`,
    '',
    '[plugins."io.containerd.cri.v1.runtime"]',
    '  restrict_oom_score_adj = true',
    '  disable_apparmor = true',
    '',
    '[plugins."io.containerd.cri.v1.runtime".containerd]',
    '  default_runtime_name = "runc"',
    '',
    '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]',
    '  runtime_type = "io.containerd.runc.v2"',
    '',
    '# The GvisorNodeGroup user data snippet, unchanged:',
    containerdSnippet(),
  ].join('\n');
}

function cniConfig(): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'eval-sandbox-local',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: POD_CIDR }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

function kubeletConfig(nodeDir: string, cgroupRoot: string, clientCa: string): string {
  return JSON.stringify(
    {
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      // The host is cgroup v1 (AL2023 nodes are v2); the kubelet writes into a root of its own.
      cgroupDriver: 'cgroupfs',
      failCgroupV1: false,
      cgroupRoot,
      featureGates: { KubeletInUserNamespace: true },
      containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock',
      authentication: {
        anonymous: { enabled: false },
        webhook: { enabled: true },
        x509: { clientCAFile: clientCa },
      },
      authorization: { mode: 'Webhook' },
      clusterDNS: [CLUSTER_DNS_IP],
      clusterDomain: 'cluster.local',
      resolvConf: path.join(nodeDir, 'resolv.conf'),
      failSwapOn: false,
      // Evict for the pods' own limits, not for how full this host's disk happens to be.
      evictionHard: {
        'memory.available': '100Mi',
        'nodefs.available': '1%',
        'nodefs.inodesFree': '1%',
        'imagefs.available': '1%',
      },
      evictionPressureTransitionPeriod: '5s',
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      serializeImagePulls: false,
      podLogsDir: '/var/log/pods',
      maxPods: 30,
    },
    null,
    2,
  );
}

function kubeProxyConfig(nodeDir: string): string {
  return JSON.stringify(
    {
      apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
      kind: 'KubeProxyConfiguration',
      clientConnection: { kubeconfig: path.join(nodeDir, 'kube-proxy.kubeconfig') },
      mode: 'iptables',
      clusterCIDR: POD_CIDR,
      // Service traffic leaves the node as the node, so the host answers without a route to pods.
      iptables: { masqueradeAll: true },
      // Leave the host-wide conntrack sysctls alone (a user namespace may not set them).
      conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
      metricsBindAddress: '',
      healthzBindAddress: '',
    },
    null,
    2,
  );
}

/** What the node's own agents may do (the kubelet's rights come from the Node authorizer). */
function nodeRbac(): KubeObject[] {
  return [
    {
      // The kubelet asks the API server to authenticate and authorize calls to its own API.
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'eval-sandbox:local-node-auth-delegator' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'system:auth-delegator',
      },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: `system:node:${NODE_NAME}` },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'eval-sandbox:kube-router' },
      rules: [
        {
          apiGroups: [''],
          resources: ['namespaces', 'pods', 'services', 'nodes', 'endpoints'],
          verbs: ['get', 'list', 'watch'],
        },
        {
          apiGroups: ['networking.k8s.io'],
          resources: ['networkpolicies'],
          verbs: ['get', 'list', 'watch'],
        },
        {
          apiGroups: ['discovery.k8s.io'],
          resources: ['endpointslices'],
          verbs: ['get', 'list', 'watch'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'eval-sandbox:kube-router' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'eval-sandbox:kube-router',
      },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'eval-sandbox:kube-router' },
      ],
    },
  ];
}

/** CoreDNS as on EKS: a Deployment in kube-system labelled `k8s-app: kube-dns`, Service 10.96.0.10. */
function coreDns(image: string): KubeObject[] {
  const labels = { 'k8s-app': 'kube-dns' };
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'coredns', namespace: 'kube-system' },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'eval-sandbox:coredns' },
      rules: [
        {
          apiGroups: [''],
          resources: ['services', 'pods', 'namespaces'],
          verbs: ['list', 'watch'],
        },
        {
          apiGroups: ['discovery.k8s.io'],
          resources: ['endpointslices'],
          verbs: ['list', 'watch'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'eval-sandbox:coredns' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'eval-sandbox:coredns',
      },
      subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }],
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'coredns', namespace: 'kube-system' },
      data: {
        // No `forward`: the local cluster has no upstream resolver, names outside it do not resolve.
        Corefile: [
          '.:53 {',
          '    errors',
          '    ready :8181',
          '    kubernetes cluster.local in-addr.arpa ip6.arpa {',
          '        pods insecure',
          '        fallthrough in-addr.arpa ip6.arpa',
          '    }',
          '    cache 30',
          '}',
          '',
        ].join('\n'),
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: 'kube-system', labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'coredns',
            // The local cluster has one node, tainted like the gVisor pool; EKS runs CoreDNS on the
            // system pool instead.
            tolerations: [{ key: SANDBOX_NODE_TAINT_KEY, operator: 'Exists' }],
            containers: [
              {
                name: 'coredns',
                image,
                imagePullPolicy: 'IfNotPresent',
                args: ['-conf', '/etc/coredns/Corefile'],
                ports: [
                  { name: 'dns', containerPort: 53, protocol: 'UDP' },
                  { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                ],
                readinessProbe: { httpGet: { path: '/ready', port: 8181 }, periodSeconds: 2 },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
                },
                resources: {
                  limits: { memory: '128Mi' },
                  requests: { cpu: '50m', memory: '64Mi' },
                },
                volumeMounts: [{ name: 'config', mountPath: '/etc/coredns', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'coredns' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels },
      spec: {
        clusterIP: CLUSTER_DNS_IP,
        selector: labels,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        ],
      },
    },
  ];
}
