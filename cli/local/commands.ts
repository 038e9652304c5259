/**
 * `eval-sandbox local up | down | status`: the local control plane for trying the platform
 * without a cloud account. `up` builds the tools once (progress on stderr), starts etcd,
 * kube-apiserver and kube-controller-manager on loopback, applies the platform (RuntimeClass,
 * RBAC, admission policies) and writes a kubeconfig. `down` stops what `up` started and removes its
 * state. `status` says whether it runs.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { PlatformChart } from '../../charts/platform-chart';
import { defaultStateDir } from './state-dir';
import { ControlPlane, ControlPlaneState } from './control-plane';
import { KubeClient } from './kube-client';
import { buildNodeTools, LocalNode, NODE_NAME, removeNodeLeftovers } from './node';

/** Finds the folder of the build scripts shipped with the package. */
export function scriptsDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'scripts', 'build-control-plane.sh');
    if (fs.existsSync(candidate)) return path.dirname(candidate);
    if (path.dirname(dir) === dir)
      throw new Error('scripts/build-control-plane.sh not found next to the package');
  }
}

/** The `local down` command for `stateDir`: with `--state-dir` unless it is the default. */
export function downCommand(stateDir: string): string {
  return path.resolve(stateDir) === path.resolve(defaultStateDir())
    ? 'eval-sandbox local down'
    : `eval-sandbox local down --state-dir ${stateDir}`;
}

/** What `local down` needs to clean up after a node (written by `local up --node`). */
interface NodeRecord {
  readonly ifname: string;
  readonly cgroupRoot: string;
}

function readState(stateDir: string): ControlPlaneState | undefined {
  const file = path.join(stateDir, 'state.json');
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ControlPlaneState;
}

/** Whether `pid` runs (a zombie, exited but not yet reaped by its new parent, does not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

export interface LocalIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export interface LocalUpOptions {
  /** Also start a worker node (kubelet, containerd with gVisor, CNI, NetworkPolicy, CoreDNS). */
  readonly node?: boolean;
}

/** `local up`; returns the exit code. */
export async function localUp(
  stateDir: string,
  io: LocalIo,
  options: LocalUpOptions = {},
): Promise<number> {
  const existing = readState(stateDir);
  if (existing && existing.pids.some(alive)) {
    io.err(
      `a local control plane already runs (state in ${stateDir}); run '${downCommand(stateDir)}' first`,
    );
    return 1;
  }
  fs.rmSync(stateDir, { recursive: true, force: true });
  io.err(
    '[local] building or reusing etcd, kube-apiserver and kube-controller-manager (the first build takes several minutes)',
  );
  const binaries = execFileSync('bash', [path.join(scriptsDir(), 'build-control-plane.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n');
  const [etcd, apiserver, controllerManager] = binaries;
  const users = { developer: ['system:authenticated'] };
  const logLine = (line: string) => io.err(`[local] ${line}`);
  let plane: ControlPlane;
  let platformObjects: number;
  if (options.node) {
    if (process.getuid?.() !== 0) {
      io.err(
        'local up --node needs root (it creates a network link and cgroups for the node); run it with sudo',
      );
      return 1;
    }
    io.err(
      '[local] building or reusing the node: kubelet, kube-proxy, kube-scheduler, containerd, runsc, CNI, kube-router, CoreDNS, images (the first build takes about 15 minutes)',
    );
    const { tools, refs } = buildNodeTools(scriptsDir());
    const started = await LocalNode.start({
      tools,
      imageRefs: refs,
      stateDir,
      scriptsDir: scriptsDir(),
      etcd,
      apiserver,
      controllerManager,
      users,
      detach: true,
      log: logLine,
    });
    plane = started.plane;
    fs.writeFileSync(
      path.join(stateDir, 'node.json'),
      JSON.stringify({
        ifname: started.node.link.ifname,
        cgroupRoot: started.node.cgroupRoot,
      } satisfies NodeRecord),
    );
    platformObjects = started.platformObjects;
  } else {
    plane = await ControlPlane.start({
      etcd,
      apiserver,
      controllerManager,
      stateDir,
      detach: true,
      users,
      log: logLine,
    });
    const objects = Testing.synth(new PlatformChart(Testing.app(), 'platform'));
    for (const o of objects) {
      const res = await plane.admin().apply(o);
      if (res.status >= 300) {
        io.err(`applying ${o.kind}/${o.metadata.name} failed: ${res.status} ${res.body.message}`);
        return 1;
      }
    }
    platformObjects = objects.filter((o) => o.kind === 'ValidatingAdmissionPolicy').length;
  }
  const kubeconfig = plane.writeKubeconfig(path.join(stateDir, 'kubeconfig'));
  io.out(
    [
      options.node
        ? `local cluster: ${plane.server}, one worker node (${NODE_NAME}) labelled and tainted like the gVisor pool: pods run under runsc, NetworkPolicies are enforced`
        : `local control plane: ${plane.server} (Kubernetes API only: no nodes, pods are admitted but never run; 'local up --node' adds one)`,
      `applied the platform: RuntimeClass gvisor, PriorityClass eval-sandbox-sandbox, the runner and auditor roles, ${platformObjects} admission policies`,
      `kubeconfig (platform identity): ${kubeconfig}`,
      '',
      'try it:',
      `  kubectl --kubeconfig ${kubeconfig} apply -f dist/example-sandboxes.k8s.yaml`,
      `  kubectl --kubeconfig ${kubeconfig} apply -f my-pod.yaml -n sbx-swe-0001   # shows the real admission answer`,
      `  ${downCommand(stateDir)}   # stops it and removes its state`,
    ].join('\n'),
  );
  return 0;
}

/** `local status`; returns 0 when it runs and answers, 1 otherwise. */
export async function localStatus(stateDir: string, io: LocalIo): Promise<number> {
  const state = readState(stateDir);
  if (!state) {
    io.out(`not running (no state in ${stateDir})`);
    return 1;
  }
  const running = state.pids.filter(alive).length;
  const admin = state.users[0];
  let ready = false;
  try {
    const client = new KubeClient({
      server: state.server,
      ca: fs.readFileSync(state.caFile, 'utf8'),
      token: admin.token,
    });
    ready = (await client.request('GET', '/readyz')).status === 200;
  } catch {
    ready = false;
  }
  io.out(
    `${ready ? 'running' : 'not ready'}: ${state.server}, ${running} of ${state.pids.length} processes alive, kubeconfig ${path.join(stateDir, 'kubeconfig')}`,
  );
  return ready ? 0 : 1;
}

/** `local down`: stops the processes and removes the state; returns the exit code. */
export async function localDown(stateDir: string, io: LocalIo): Promise<number> {
  const state = readState(stateDir);
  if (!state) {
    io.out(`nothing to stop (no state in ${stateDir})`);
    return 0;
  }
  for (const pid of [...state.pids].reverse()) {
    if (alive(pid)) process.kill(pid, 'SIGTERM');
  }
  const deadline = Date.now() + 15_000;
  while (state.pids.some(alive) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  for (const pid of state.pids.filter(alive)) process.kill(pid, 'SIGKILL');
  // SIGKILL is not instant either (a process in disk I/O dies when the I/O returns): wait for it.
  const killDeadline = Date.now() + 10_000;
  while (state.pids.some(alive) && Date.now() < killDeadline)
    await new Promise((r) => setTimeout(r, 100));
  const survivors = state.pids.filter(alive);
  if (survivors.length > 0) {
    io.err(
      `processes ${survivors.join(', ')} did not exit after SIGKILL; state kept in ${stateDir}`,
    );
    return 1;
  }
  const nodeFile = path.join(stateDir, 'node.json');
  if (fs.existsSync(nodeFile)) {
    const node = JSON.parse(fs.readFileSync(nodeFile, 'utf8')) as NodeRecord;
    const left = await removeNodeLeftovers(node.ifname, node.cgroupRoot);
    if (left.length > 0) {
      io.err(
        `cgroups of the node still hold processes: ${left.join(', ')}; state kept in ${stateDir}`,
      );
      return 1;
    }
  }
  fs.rmSync(stateDir, { recursive: true, force: true });
  io.out(`stopped ${state.pids.length} processes and removed ${stateDir}`);
  return 0;
}
