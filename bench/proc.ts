/**
 * Timing a Node process from outside: wall time from spawn to exit (what a user waits for, boot and
 * module loading included) and the peak resident memory the process reports about itself at exit
 * (children/usage.cjs, preloaded), so no GNU time is needed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

export const ROOT = path.resolve(__dirname, '..');
const USAGE = path.join(__dirname, 'children', 'usage.cjs');

/** One timed process. */
export interface ProcessRun {
  readonly seconds: number;
  /** Peak resident set size of the process, in MiB. */
  readonly peakMB: number;
  /** CPU time (user + system) the process used, in seconds. */
  readonly cpuSeconds: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A fresh temporary folder (the caller removes it, or {@link withTmp} does). */
export function tmpDir(prefix = 'eval-sandbox-bench-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Runs `fn` with a fresh temporary folder and removes it afterwards. */
export function withTmp<T>(fn: (dir: string) => T): T {
  const dir = tmpDir();
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `node <args>` (cwd: the repository) and times it; throws with its stderr when it exits
 * with another code than `expectStatus`.
 */
export function runNode(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; expectStatus?: number } = {},
): ProcessRun {
  return withTmp((dir) => {
    const usageFile = path.join(dir, 'usage.json');
    const start = performance.now();
    const r = spawnSync(process.execPath, ['--require', USAGE, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...options.env, BENCH_USAGE_FILE: usageFile },
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const seconds = (performance.now() - start) / 1000;
    if (r.error) throw r.error;
    if (r.status !== (options.expectStatus ?? 0)) {
      throw new Error(
        `node ${args.join(' ')} exited with ${r.status ?? r.signal}\n${r.stderr.slice(-4000)}`,
      );
    }
    const usage = JSON.parse(fs.readFileSync(usageFile, 'utf8')) as {
      maxRssKiB: number;
      userUs: number;
      systemUs: number;
    };
    return {
      seconds,
      peakMB: usage.maxRssKiB / 1024,
      cpuSeconds: (usage.userUs + usage.systemUs) / 1e6,
      stdout: r.stdout,
      stderr: r.stderr,
    };
  });
}

/** The median (the upper middle value of an even count). */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The nearest-rank quantile `q` (0 < q ≤ 1) of `values`. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Total size in bytes of the files under `dir`. */
export function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(full) : fs.statSync(full).size;
  }
  return total;
}

/** Rounds to `digits` decimals (for the JSON and the table). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
