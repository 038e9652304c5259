/**
 * A local Kubernetes control plane for tests and `eval-sandbox local up`: a real etcd, a real
 * kube-apiserver of the target minor (on loopback, with static token authentication, RBAC, Pod
 * Security Admission and ValidatingAdmissionPolicy on) and, when given, a kube-controller-manager
 * running the resource-quota, namespace, service-account, garbage-collector and admission-policy
 * type-checking controllers. No kubelet and no scheduler here: objects are stored and admitted;
 * `node.ts` adds a worker node, the scheduler and the controllers pods need.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { KubeClient } from './kube-client';

/** A user of the local control plane, authenticated by a static token. */
export interface LocalUser {
  readonly name: string;
  readonly groups: string[];
  readonly token: string;
}

export interface ControlPlaneOptions {
  /** Paths of the binaries (see scripts/build-control-plane.sh). */
  readonly etcd: string;
  readonly apiserver: string;
  /** Without it, ResourceQuotas have no status and are not enforced. */
  readonly controllerManager?: string;
  /** Folder for data, keys and logs; created if missing. */
  readonly stateDir: string;
  /** Users besides the admin (name → groups). */
  readonly users?: Record<string, string[]>;
  /** Called with progress lines. */
  readonly log?: (line: string) => void;
  /**
   * Let the processes outlive this Node process (for `eval-sandbox local up`); stop them later with
   * the pids in `state.json`.
   *
   * @default false
   */
  readonly detach?: boolean;
  /**
   * The address the API server listens on and advertises (it must exist on this host).
   *
   * @default '127.0.0.1'
   */
  readonly address?: string;
  /** More kube-apiserver flags. */
  readonly apiserverArgs?: string[];
  /**
   * The kube-controller-manager controllers.
   *
   * @default - quota, namespace, service account, garbage collector, policy type checking
   */
  readonly controllers?: string[];
  /** More kube-controller-manager flags. */
  readonly controllerManagerArgs?: string[];
}

/** A process tree started beside the control plane that stops its own way (the node). */
export interface Companion {
  /** The pid `local down` sends SIGTERM to. */
  readonly pid: number;
  /** Stops it and waits until it is gone. */
  stop(): Promise<void>;
}

/** The state a running control plane leaves on disk, so another process can stop or use it. */
export interface ControlPlaneState {
  readonly server: string;
  readonly pids: number[];
  readonly users: LocalUser[];
  readonly caFile: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function token(): string {
  return randomBytes(24).toString('hex');
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  proc?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && proc.exitCode !== null)
      throw new Error(`${what}: the process exited with code ${proc.exitCode}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export class ControlPlane {
  /** Starts etcd and kube-apiserver and waits until the API answers. */
  public static async start(options: ControlPlaneOptions): Promise<ControlPlane> {
    const log = options.log ?? (() => undefined);
    for (const bin of [
      options.etcd,
      options.apiserver,
      ...(options.controllerManager ? [options.controllerManager] : []),
    ]) {
      if (!fs.existsSync(bin)) {
        throw new Error(
          `${bin} is missing: run scripts/build-control-plane.sh (it builds etcd and kube-apiserver from the Go module proxy)`,
        );
      }
    }
    const dir = path.resolve(options.stateDir);
    fs.mkdirSync(path.join(dir, 'certs'), { recursive: true });

    const users: LocalUser[] = [
      // The admin is also the platform identity: it applies what a GitOps controller would.
      {
        name: 'eval-sandbox:admin',
        groups: ['system:masters', 'eval-sandbox:platform'],
        token: token(),
      },
      ...Object.entries(options.users ?? {}).map(([name, groups]) => ({
        name,
        groups,
        token: token(),
      })),
    ];
    fs.writeFileSync(
      path.join(dir, 'tokens.csv'),
      users.map((u, i) => `${u.token},${u.name},uid-${i},"${u.groups.join(',')}"`).join('\n') +
        '\n',
      { mode: 0o600 },
    );
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(path.join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    fs.writeFileSync(
      path.join(dir, 'sa.key'),
      privateKey.export({ type: 'pkcs8', format: 'pem' }),
      { mode: 0o600 },
    );

    const address = options.address ?? '127.0.0.1';
    const [clientPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdLog = fs.openSync(path.join(dir, 'etcd.log'), 'a');
    log(`starting etcd on 127.0.0.1:${clientPort}`);
    const etcd = spawn(
      options.etcd,
      [
        '--name=local',
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${clientPort}`,
        `--advertise-client-urls=http://127.0.0.1:${clientPort}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=local=http://127.0.0.1:${peerPort}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      { stdio: ['ignore', etcdLog, etcdLog], detached: options.detach ?? false },
    );

    const apiLog = fs.openSync(path.join(dir, 'kube-apiserver.log'), 'a');
    log(`starting kube-apiserver on https://${address}:${apiPort}`);
    const apiserver = spawn(
      options.apiserver,
      [
        `--etcd-servers=http://127.0.0.1:${clientPort}`,
        `--bind-address=${address}`,
        `--advertise-address=${address}`,
        `--secure-port=${apiPort}`,
        `--cert-dir=${path.join(dir, 'certs')}`,
        `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
        // Node: a kubelet may read only what its own pods need (as on EKS).
        '--authorization-mode=Node,RBAC',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        // Let admission, not the API server's global switch, decide about privileged pods (as on EKS).
        '--allow-privileged=true',
        '--profiling=false',
        '--v=1',
        ...(options.apiserverArgs ?? []),
      ],
      { stdio: ['ignore', apiLog, apiLog], detached: options.detach ?? false },
    );

    const server = `https://${address}:${apiPort}`;
    const caFile = path.join(dir, 'certs', 'apiserver.crt');
    const plane = new ControlPlane(dir, server, caFile, users, [etcd, apiserver]);
    try {
      await waitFor(
        'kube-apiserver',
        async () =>
          fs.existsSync(caFile) && (await plane.admin().request('GET', '/readyz')).status === 200,
        90_000,
        apiserver,
      );
    } catch (err) {
      await plane.stop();
      const tail = fs
        .readFileSync(path.join(dir, 'kube-apiserver.log'), 'utf8')
        .split('\n')
        .slice(-15)
        .join('\n');
      throw new Error(
        `${(err as Error).message}\n--- kube-apiserver.log (last lines) ---\n${tail}`,
      );
    }
    if (options.controllerManager) {
      const kubeconfig = plane.writeKubeconfig(path.join(dir, 'controller-manager.kubeconfig'));
      const kcmLog = fs.openSync(path.join(dir, 'kube-controller-manager.log'), 'a');
      const controllers = options.controllers ?? [
        'resourcequota',
        'namespace',
        'serviceaccount',
        'garbagecollector',
        'validatingadmissionpolicy-status-controller',
      ];
      log(`starting kube-controller-manager (${controllers.join(', ')})`);
      const kcm = spawn(
        options.controllerManager,
        [
          `--kubeconfig=${kubeconfig}`,
          `--controllers=${controllers.join(',')}`,
          '--leader-elect=false',
          '--secure-port=0',
          '--use-service-account-credentials=false',
          '--v=1',
          ...(options.controllerManagerArgs ?? []),
        ],
        { stdio: ['ignore', kcmLog, kcmLog], detached: options.detach ?? false },
      );
      plane.processes.push(kcm);
    }
    plane.saveState();
    if (options.detach) for (const p of plane.processes) p.unref();
    log('control plane ready');
    return plane;
  }

  private constructor(
    public readonly stateDir: string,
    public readonly server: string,
    public readonly caFile: string,
    public readonly users: LocalUser[],
    private readonly processes: ChildProcess[],
  ) {}

  private readonly companions: Companion[] = [];

  /**
   * Adds a process started beside the control plane (the scheduler; the node, which stops its own
   * way): `stop()` and `local down` stop it too, the node before the control plane.
   */
  public adopt(proc: ChildProcess | Companion): void {
    if (proc instanceof ChildProcess) this.processes.push(proc);
    else this.companions.push(proc);
    this.saveState();
  }

  /** Writes `state.json`: what another process needs to use or stop this control plane. */
  private saveState(): void {
    fs.writeFileSync(
      path.join(this.stateDir, 'state.json'),
      JSON.stringify(
        {
          server: this.server,
          pids: [...this.processes.map((p) => p.pid ?? -1), ...this.companions.map((c) => c.pid)],
          users: this.users,
          caFile: this.caFile,
        } satisfies ControlPlaneState,
        null,
        2,
      ),
      { mode: 0o600 },
    );
  }

  /** A client authenticated as `user` (by name). */
  public client(user: string): KubeClient {
    const u = this.users.find((x) => x.name === user);
    if (!u) throw new Error(`no local user '${user}'`);
    return new KubeClient({
      server: this.server,
      ca: fs.readFileSync(this.caFile, 'utf8'),
      token: u.token,
    });
  }

  /** A client as the admin (also the platform identity). */
  public admin(): KubeClient {
    return this.client('eval-sandbox:admin');
  }

  /** Writes a kubeconfig for `user` and returns its path. */
  public writeKubeconfig(file: string, user = 'eval-sandbox:admin'): string {
    const u = this.users.find((x) => x.name === user);
    if (!u) throw new Error(`no local user '${user}'`);
    const ca = Buffer.from(fs.readFileSync(this.caFile)).toString('base64');
    const config = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: eval-sandbox-local',
      '  cluster:',
      `    server: ${this.server}`,
      `    certificate-authority-data: ${ca}`,
      'users:',
      `- name: ${JSON.stringify(u.name)}`,
      '  user:',
      `    token: ${u.token}`,
      'contexts:',
      '- name: eval-sandbox-local',
      '  context:',
      '    cluster: eval-sandbox-local',
      `    user: ${JSON.stringify(u.name)}`,
      'current-context: eval-sandbox-local',
      '',
    ].join('\n');
    fs.writeFileSync(file, config, { mode: 0o600 });
    return file;
  }

  /** Stops the companions, then the processes, and waits for them to exit. */
  public async stop(): Promise<void> {
    for (const c of [...this.companions].reverse()) await c.stop();
    await Promise.all(
      [...this.processes].reverse().map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            const kill = setTimeout(() => p.kill('SIGKILL'), 10_000);
            p.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            p.kill('SIGTERM');
          }),
      ),
    );
  }
}
