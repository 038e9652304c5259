/**
 * The tool builds share one cache; two builds at once (parallel test files, a `local up` beside a
 * test run) must not trip over each other. go-tools-env.sh takes a lock that the second waits on.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ENV_SCRIPT = path.resolve(__dirname, '../../scripts/go-tools-env.sh');

/** Runs `body` after sourcing the env script with its own cache dir; resolves with its stdout. */
function run(tools: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -euo pipefail; source "${ENV_SCRIPT}"; ${body}`], {
      env: { ...process.env, EVAL_SANDBOX_TOOLS: tools },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`)),
    );
  });
}

test('GIVEN a build holding the cache THEN a second one waits for it, then runs', async () => {
  const tools = fs.mkdtempSync(path.join(os.tmpdir(), 'tools-lock-'));
  try {
    const first = run(
      tools,
      'echo "first start $(date +%s%N)"; sleep 1.5; echo "first end $(date +%s%N)"',
    );
    await new Promise((r) => setTimeout(r, 300));
    const second = run(tools, 'echo "second start $(date +%s%N)"');
    const [a, b] = await Promise.all([first, second]);
    const firstEnd = Number(/first end (\d+)/.exec(a)?.[1]);
    const secondStart = Number(/second start (\d+)/.exec(b)?.[1]);
    // Without the lock the second would start ~1.2 s before the first ends.
    expect(secondStart).toBeGreaterThanOrEqual(firstEnd);
    expect(fs.existsSync(path.join(tools, '.build.lock'))).toBe(true);
  } finally {
    fs.rmSync(tools, { recursive: true, force: true });
  }
});
