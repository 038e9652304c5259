/**
 * `eval-sandbox validate PATH…` and `eval-sandbox render PATH… --out DIR`: check Evaluation specs
 * (see cli/evaluations.ts) and render each into the manifests of its EvaluationSandbox.
 *
 * Exit codes: 0 all valid (rendered), 1 any problem in a spec (nothing written), 2 usage errors
 * (a missing path, a folder without specs, an output folder render does not own).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, LoadResult, checkFiles, collectSpecFiles, formatProblem } from './evaluations';

/** Where the command writes: stdout and stderr, one line per call. */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** The first line of every kustomization.yaml render writes: how it recognises its own folder. */
export const RENDER_MARKER =
  '# Written by `eval-sandbox render`; this folder is replaced on every render: do not edit it.';
/** The manifest file of each evaluation's folder. */
export const SANDBOX_FILE = 'sandbox.k8s.yaml';

/** Loads and checks; prints every problem. `undefined` means exit 2 (already reported). */
function load(paths: string[], io: Io): LoadResult | undefined {
  try {
    const result = checkFiles(collectSpecFiles(paths));
    for (const p of result.problems) io.err(formatProblem(p));
    if (result.problems.length === 0 && result.evaluations.length === 0) {
      io.err(`error: no evaluations in ${paths.join(', ')} (every document is empty)`);
      return { evaluations: [], problems: [] };
    }
    return result;
  } catch (err) {
    if (err instanceof InputError) {
      io.err(`error: ${err.message}`);
      return undefined;
    }
    throw err;
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Runs `validate`; returns the exit code. */
export function runValidate(paths: string[], io: Io): number {
  const result = load(paths, io);
  if (result === undefined) return 2;
  if (result.problems.length > 0 || result.evaluations.length === 0) {
    if (result.problems.length > 0) io.err(plural(result.problems.length, 'problem'));
    return 1;
  }
  io.out(`${plural(result.evaluations.length, 'evaluation')} valid`);
  return 0;
}

/** Whether `dir` may be replaced by render: missing, empty, or written by render before. */
export function ownedByRender(dir: string): true | string {
  if (!fs.existsSync(dir)) return true;
  if (!fs.statSync(dir).isDirectory()) return `${dir} is not a folder`;
  if (fs.readdirSync(dir).length === 0) return true;
  const kustomization = path.join(dir, 'kustomization.yaml');
  const first = fs.existsSync(kustomization)
    ? fs.readFileSync(kustomization, 'utf8').split('\n')[0]
    : undefined;
  if (first === RENDER_MARKER) return true;
  return (
    `refusing to render into ${dir}: it is not empty and has no kustomization.yaml written by ` +
    `eval-sandbox render; render owns its output folder and deletes what it did not write, so ` +
    `give --out a new or empty folder`
  );
}

/** The kustomization.yaml listing every evaluation's manifest, sorted. */
export function kustomization(names: string[]): string {
  const resources = [...names].sort().map((n) => `  - ${n}/${SANDBOX_FILE}`);
  return [
    RENDER_MARKER,
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    resources.length > 0 ? 'resources:' : 'resources: []',
    ...resources,
    '',
  ].join('\n');
}

/**
 * Runs `render`: validates everything first and writes nothing on a problem; then writes
 * `out/<name>/sandbox.k8s.yaml` and `out/kustomization.yaml` into a sibling temporary folder and
 * moves it into place, so `out` holds exactly the current specs (stale folders disappear).
 */
export function runRender(paths: string[], options: { out: string }, io: Io): number {
  const target = path.resolve(options.out);
  const owned = ownedByRender(options.out);
  if (owned !== true) {
    io.err(`error: ${owned}`);
    return 2;
  }
  const result = load(paths, io);
  if (result === undefined) return 2;
  if (result.problems.length > 0 || result.evaluations.length === 0) {
    if (result.problems.length > 0)
      io.err(`${plural(result.problems.length, 'problem')}; nothing written to ${options.out}`);
    return 1;
  }
  const staging = `${target}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    fs.mkdirSync(staging, { recursive: true });
    for (const e of result.evaluations) {
      fs.mkdirSync(path.join(staging, e.name));
      fs.writeFileSync(path.join(staging, e.name, SANDBOX_FILE), e.manifest);
    }
    fs.writeFileSync(
      path.join(staging, 'kustomization.yaml'),
      kustomization(result.evaluations.map((e) => e.name)),
    );
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  io.out(`rendered ${plural(result.evaluations.length, 'evaluation')} into ${options.out}`);
  return 0;
}
