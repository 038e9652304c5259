import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'eval-sandbox.js');
const VERSION = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/** Runs the real, built CLI (npm test builds lib/ first). */
function run(...args: string[]) {
  if (!fs.existsSync(path.join(ROOT, 'lib', 'cli', 'main.js'))) {
    throw new Error(
      'lib/cli/main.js is missing: run `npm run build` first (npm test does it for you)',
    );
  }
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
}

describe('eval-sandbox CLI', () => {
  test('the package declares the eval-sandbox bin', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(pkg.bin).toEqual({ 'eval-sandbox': 'bin/eval-sandbox.js' });
  });

  test.each(['--version', '-V'])('%s prints the package version', (flag) => {
    const r = run(flag);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  test('a command without its arguments is a usage error: exit 2', () => {
    const r = run('policy', 'check');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/missing required argument 'paths'/);
  });

  test.each([['--help'], []])('%p prints usage and exits 0', (...args) => {
    const r = run(...args.filter(Boolean));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: eval-sandbox \[options\]/);
    expect(r.stdout).toMatch(/-V, --version/);
  });

  test('an unknown option is a usage error: exit 2 with the reason', () => {
    const r = run('--bogus');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
  });
});
