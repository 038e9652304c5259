import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { loadKubeconfig } from './kubeconfig';
import { defaultStateDir } from './local/state-dir';
import { KubeClient } from './local/kube-client';
import type { PolicyCheckOptions } from './policy-check';

// Each command loads its implementation when it runs: `--help` and `policy check` stay fast, and
// the commands that build sandboxes (validate, render, run, posture, local) are the only ones that
// need the cdk8s peer dependencies.
function load<T>(module: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(module) as T;
}

/** The version of the installed package, read from its package.json. */
export function packageVersion(start: string = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'eval-sandbox' && pkg.version) return pkg.version;
    }
    if (path.dirname(dir) === dir)
      throw new Error(`package.json of eval-sandbox not found above ${start}`);
  }
}

/** Builds the command-line program. Subcommands register here. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('eval-sandbox')
    .description(
      'Secure-by-default sandboxes for untrusted AI agents: gVisor on EKS, as cdk8s and cdktf constructs.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError()
    // No command: the help. A word that is no command: say so (commander would call it an
    // excess argument).
    .allowExcessArguments(true)
    .action((_options: unknown, command: Command) => {
      const [word] = command.args;
      if (word !== undefined) program.error(`error: unknown command '${word}'`, { exitCode: 2 });
      program.help();
    });

  const policy = program.command('policy').description('admission policy pack');
  policy
    .command('check')
    .description(
      'check Kubernetes objects against the admission policy pack, as if created in a sandbox namespace ' +
        '(exit 0 all admitted, 1 any rejected, 2 unreadable input)',
    )
    .argument(
      '<paths...>',
      'YAML or JSON files, or folders of them (multi-document YAML and List objects included); - reads stdin',
    )
    .option('-o, --output <format>', 'text, json, sarif (GitHub code scanning) or junit', 'text')
    .option('-q, --quiet', 'print only the summary line (text output)')
    .option(
      '--skip-non-k8s',
      'skip documents that are not Kubernetes objects (no apiVersion or kind: a cdk8s.yaml, Helm values) instead of failing',
    )
    .option(
      '--skip-kind <kind>',
      'skip objects of this kind (repeatable)',
      (kind: string, previous: string[]) => [...previous, kind],
      [] as string[],
    )
    .option(
      '--include <rule>',
      'also enforce a rule that is off by default (repeatable)',
      (rule: string, previous: string[]) => [...previous, rule],
      [] as string[],
    )
    .option(
      '--as <user>',
      'judge as this user instead of the platform identity (boundary rules then apply)',
    )
    .option(
      '--group <group>',
      'a group of the --as user (repeatable; system:authenticated is always added)',
      (group: string, previous: string[]) => [...previous, group],
      [] as string[],
    )
    .option(
      '-j, --jobs <n>',
      'threads to judge on (default: one per CPU when the files add up to 2 MiB or more, else 1)',
    )
    .action(async (paths: string[], opts: PolicyCheckOptions) => {
      const { runPolicyCheck } = load<typeof import('./policy-check')>('./policy-check');
      process.exitCode = await runPolicyCheck(
        paths,
        opts,
        (text) => process.stdout.write(`${text}\n`),
        (text) => process.stderr.write(`${text}\n`),
        () => fs.readFileSync(0, 'utf8'),
      );
    });
  program
    .command('validate')
    .description(
      'check Evaluation specs (eval-sandbox.dev/v1alpha1) against schemas/evaluation.v1alpha1.json and the ' +
        'constructs; prints every problem as file:line:col (exit 0 all valid, 1 any problem, 2 usage)',
    )
    .argument('<paths...>', 'spec files, or folders searched for .yaml and .yml files')
    .action(async (paths: string[]) => {
      const { runValidate } = load<typeof import('./validate')>('./validate');
      process.exitCode = runValidate(paths, io);
    });
  program
    .command('render')
    .description(
      'validate Evaluation specs, then write each sandbox as <out>/<name>/sandbox.k8s.yaml plus <out>/kustomization.yaml, ' +
        'all or nothing; <out> is replaced (exit 0 rendered, 1 any problem and nothing written, 2 usage)',
    )
    .argument('<paths...>', 'spec files, or folders searched for .yaml and .yml files')
    .requiredOption(
      '-o, --out <dir>',
      'output folder, owned by render (new, empty, or rendered before)',
    )
    .option(
      '--argocd <repoURL>',
      'also write <out>/argocd/: an AppProject confined to sandbox objects in sbx-* namespaces and one ' +
        'Application per evaluation reading <repoURL>; <out>/kustomization.yaml then lists those (app of apps)',
    )
    .option(
      '--argocd-path <path>',
      'the folder <out> is inside the GitOps repository (required with --argocd)',
    )
    .option('--argocd-revision <revision>', 'the revision Applications follow', 'HEAD')
    .option('--argocd-project <name>', 'the AppProject to write and use', 'eval-sandboxes')
    .option('--argocd-namespace <namespace>', 'the namespace Argo CD runs in', 'argocd')
    .action(
      async (
        paths: string[],
        opts: {
          out: string;
          argocd?: string;
          argocdPath?: string;
          argocdRevision: string;
          argocdProject: string;
          argocdNamespace: string;
        },
      ) => {
        const { runRender } = load<typeof import('./validate')>('./validate');
        if (opts.argocd === undefined) {
          if (opts.argocdPath !== undefined) {
            io.err(
              'error: --argocd-path: only meaningful with --argocd <repoURL>; add --argocd or drop it',
            );
            process.exitCode = 2;
            return;
          }
          process.exitCode = runRender(paths, { out: opts.out }, io);
          return;
        }
        if (opts.argocdPath === undefined) {
          io.err(
            'error: --argocd-path: required with --argocd; give the folder --out is inside the GitOps ' +
              'repository, e.g. --argocd-path sandboxes',
          );
          process.exitCode = 2;
          return;
        }
        const argocd = {
          repoURL: opts.argocd,
          path: opts.argocdPath,
          targetRevision: opts.argocdRevision,
          project: opts.argocdProject,
          namespace: opts.argocdNamespace,
        };
        process.exitCode = runRender(paths, { out: opts.out, argocd }, io);
      },
    );
  program
    .command('run')
    .description(
      'validate and render one Evaluation spec, apply it to the cluster (sandbox objects first, then the Job; ' +
        'server-side apply as the kubeconfig identity), stream its log to stdout and wait ' +
        '(exit 0 Job completed, 1 spec problem or Job failed, 2 usage or cluster access, 124 timed out)',
    )
    .argument('<spec>', 'one spec file holding exactly one Evaluation')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: its current-context)')
    .option('--timeout <duration>', "how long to wait, as 1h30m (default: the spec's timeout + 5m)")
    .action(
      async (spec: string, opts: { kubeconfig?: string; context?: string; timeout?: string }) => {
        const { kubeRunApi, runEvaluation } = load<typeof import('./run')>('./run');
        process.exitCode = await runEvaluation(
          spec,
          opts,
          {
            write: (chunk) => process.stdout.write(chunk),
            err: (line) => process.stderr.write(`${line}\n`),
          },
          {
            connect: async () =>
              kubeRunApi(
                new KubeClient(
                  await loadKubeconfig({ kubeconfig: opts.kubeconfig, context: opts.context }),
                ),
              ),
          },
        );
      },
    );
  const local = program
    .command('local')
    .description(
      'a local Kubernetes control plane with the platform applied (no cloud account needed)',
    );
  const stateOption = (c: Command) =>
    c.option('--state-dir <dir>', 'where state, logs and the kubeconfig live', defaultStateDir());
  stateOption(
    local
      .command('up')
      .description('build (once), start, apply the platform, write a kubeconfig')
      .option(
        '--node',
        'also run one worker node: kubelet, containerd with gVisor, CNI, NetworkPolicy, CoreDNS (root)',
      ),
  ).action(async (opts: { stateDir: string; node?: boolean }) => {
    const { localUp } = load<typeof import('./local/commands')>('./local/commands');
    process.exitCode = await localUp(opts.stateDir, io, { node: opts.node });
  });
  stateOption(local.command('status').description('whether the local control plane runs')).action(
    async (opts: { stateDir: string }) => {
      const { localStatus } = load<typeof import('./local/commands')>('./local/commands');
      process.exitCode = await localStatus(opts.stateDir, io);
    },
  );
  stateOption(
    local.command('down').description('stop everything `up` started and remove its state'),
  ).action(async (opts: { stateDir: string }) => {
    const { localDown } = load<typeof import('./local/commands')>('./local/commands');
    process.exitCode = await localDown(opts.stateDir, io);
  });
  program
    .command('posture')
    .description(
      "an evaluation's posture record joined with its conformance probe's result, as JSON " +
        '(exit 0 recorded and the probe passed or has not run, 1 probe failed or record missing/invalid, 2 usage or cluster access)',
    )
    .argument('<target>', 'the evaluation Job, as <namespace>/<job>')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: its current-context)')
    .option('-o, --output <format>', 'json or text', 'json')
    .action(
      async (target: string, opts: { kubeconfig?: string; context?: string; output: string }) => {
        const { kubePostureApi, runPosture } = load<typeof import('./posture')>('./posture');
        process.exitCode = await runPosture(target, opts, io, async () =>
          kubePostureApi(
            new KubeClient(
              await loadKubeconfig({ kubeconfig: opts.kubeconfig, context: opts.context }),
            ),
          ),
        );
      },
    );
  return program;
}

const io = {
  out: (line: string) => process.stdout.write(`${line}\n`),
  err: (line: string) => process.stderr.write(`${line}\n`),
};

/** Runs the CLI with `argv` (as in `process.argv`). Usage errors exit with 2, like bad input. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  program.commands.forEach(function override(c: Command): void {
    c.exitOverride();
    c.commands.forEach(override);
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    throw err;
  }
}
