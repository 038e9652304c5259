/**
 * The bench-only dependencies (EKS Blueprints and aws-cdk-lib, ~500 MB installed): pinned in
 * bench/blueprints/package.json and its package-lock.json, installed into
 * bench/blueprints/node_modules by the bench on its first run (and again when the lock file
 * changes), never by the project's `npm ci`. A folder of their own, not bench/node_modules: the
 * bench's own modules (bench/*.ts) import `yaml` and `prettier`, and Node would resolve those from
 * a bench/node_modules first (Blueprints brings another `yaml`), not from the project's.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const BENCH = path.join(__dirname, 'blueprints');
const LOCK = path.join(BENCH, 'package-lock.json');
const STAMP = path.join(BENCH, 'node_modules', '.bench-lock.sha256');

function lockHash(): string {
  return createHash('sha256').update(fs.readFileSync(LOCK)).digest('hex');
}

/** Installs bench/blueprints/node_modules when missing or stale; throws a clear error when npm cannot. */
export function ensureBenchDependencies(log: (line: string) => void): void {
  const hash = lockHash();
  if (fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === hash) return;
  log('installing the bench-only dependencies into bench/blueprints/node_modules (npm ci, once) …');
  // No install scripts: the one package that has one (bcrypt, unused by a basic cluster) ships
  // prebuilt binaries; the project denies install scripts too (allowScripts in package.json).
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: BENCH,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error || r.status !== 0) {
    throw new Error(
      'cannot install the bench-only dependencies (bench/blueprints/package-lock.json) with ' +
        '`npm ci` in bench/blueprints/: ' +
        'the bench needs the npm registry once to fetch EKS Blueprints and aws-cdk-lib. ' +
        `npm said:\n${(r.stderr || String(r.error)).slice(-2000)}`,
    );
  }
  fs.writeFileSync(STAMP, hash);
}
