/** Finding the external programs some tests run; a missing one fails loudly with how to install it. */
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

/** The path of `name` on PATH, or an error that says how to install it. */
export function requireTool(name: string, install: string): string {
  const found = spawnSync('bash', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (found.status !== 0)
    throw new Error(`${name} is not installed; this test needs it: ${install}`);
  return found.stdout.trim();
}

/** Builds (or reuses) the node tools of scripts/build-node-tools.sh: name → path. */
export function nodeTools(): Record<string, string> {
  const out = execFileSync('bash', [path.join(ROOT, 'scripts', 'build-node-tools.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => l.split(' ', 2) as [string, string]),
  );
}
