/**
 * A throwaway network and mount namespace for running the egress gateway's Squid for real: its own
 * loopback with public-looking documentation addresses (the "internet"), a read-only root
 * filesystem, and a tmpfs at /mnt standing in for the pod's emptyDir and ConfigMap.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { requireTool } from './tools';

const run = promisify(execFile);

/** The tools the egress gateway e2e tests run, by name → path; a missing one fails with the fix. */
export function egressGatewayTools(): Record<string, string> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the egress gateway e2e tests need root (a network and mount namespace, and Squid started ' +
        'as an unprivileged user); run them as root, as CI does',
    );
  }
  const debian = (pkg: string) => `apt-get install -y ${pkg} (Debian 12; .ci/run installs it)`;
  return {
    squid: requireTool('squid', debian('squid')),
    curl: requireTool('curl', debian('curl')),
    openssl: requireTool('openssl', debian('openssl')),
    unshare: requireTool('unshare', debian('util-linux')),
    nsenter: requireTool('nsenter', debian('util-linux')),
    setpriv: requireTool('setpriv', debian('util-linux')),
    ip: requireTool('ip', debian('iproute2')),
  };
}

/** The uid/gid Squid runs as: nobody, which owns nothing outside the run directories. */
export const UNPRIVILEGED_ID = 65534;

/** A long-running process inside the namespace, with everything it has printed so far. */
export class NamespaceProcess {
  public stdout = '';
  public stderr = '';
  private exited?: number | null;

  constructor(public readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    child.on('exit', (code) => (this.exited = code));
  }

  /** Waits until `ready(stdout, stderr)` holds; fails if the process exits first or time runs out. */
  async waitFor(what: string, ready: (out: string, err: string) => boolean, ms = 10_000) {
    const deadline = Date.now() + ms;
    while (!ready(this.stdout, this.stderr)) {
      if (this.exited !== undefined || Date.now() > deadline) {
        throw new Error(
          `${what}: ${this.exited !== undefined ? `exited with ${this.exited}` : 'timed out'}\n` +
            `stdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  stop() {
    if (this.exited === undefined) this.child.kill('SIGKILL');
  }
}

/**
 * The namespace: created by `setup` (a shell script run as root in the new namespaces, which must
 * end by printing `ready`), then kept alive by a sleep the other processes join with nsenter.
 */
export class TestNamespace {
  private readonly holder: NamespaceProcess;
  private readonly processes: NamespaceProcess[] = [];

  private constructor(
    private readonly tools: Record<string, string>,
    setup: string,
  ) {
    this.holder = new NamespaceProcess(
      spawn(
        tools.unshare,
        ['--net', '--mount', '--propagation', 'private', 'sh', '-ec', `${setup}\nexec sleep 3600`],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
  }

  static async create(tools: Record<string, string>, setup: string): Promise<TestNamespace> {
    const ns = new TestNamespace(tools, setup);
    await ns.holder.waitFor('namespace setup', (out) => out.includes('ready\n'));
    return ns;
  }

  private enter(argv: string[]): [string, string[]] {
    const pid = String(this.holder.child.pid);
    return [this.tools.nsenter, ['-t', pid, '--net', '--mount', '--', ...argv]];
  }

  /** Runs `argv` to completion inside the namespace; a non-zero exit is returned, not thrown. */
  async exec(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const [cmd, args] = this.enter(argv);
    try {
      const { stdout, stderr } = await run(cmd, args, { encoding: 'utf8', timeout: 15_000 });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof err.code === 'number' ? err.code : -1,
        stdout: err.stdout ?? '',
        stderr: err.stderr ?? '',
      };
    }
  }

  /** Starts `argv` inside the namespace and keeps it until {@link stop}. */
  start(argv: string[]): NamespaceProcess {
    const [cmd, args] = this.enter(argv);
    const p = new NamespaceProcess(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    this.processes.push(p);
    return p;
  }

  stop() {
    for (const p of this.processes) p.stop();
    this.holder.stop();
  }
}
