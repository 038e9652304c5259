import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';

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
  return program
    .name('eval-sandbox')
    .description(
      'Secure-by-default sandboxes for untrusted AI agents: gVisor on EKS, as cdk8s and cdktf constructs.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError()
    .action(() => program.help());
}

/** Runs the CLI with `argv` (as in `process.argv`). */
export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
