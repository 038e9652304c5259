/**
 * `eval-sandbox validate PATH…` and `eval-sandbox render PATH… --out DIR`: check Evaluation specs
 * (see cli/evaluations.ts) and render each into the manifests of its EvaluationSandbox.
 *
 * Exit codes: 0 all valid (rendered), 1 any problem in a spec (nothing written), 2 usage errors
 * (a missing path, a folder without specs, an output folder render does not own).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import {
  EVALUATION_ID_LABEL,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
} from '../constructs/shared/labels';
import { SANDBOX_NAMESPACE_PREFIX } from '../constructs/shared/platform';
import {
  Evaluation,
  InputError,
  LoadResult,
  checkFiles,
  collectSpecFiles,
  formatProblem,
} from './evaluations';

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

/** The kustomization.yaml listing `resources` (sorted). */
export function kustomization(resources: string[]): string {
  const lines = [...resources].sort().map((r) => `  - ${r}`);
  return [
    RENDER_MARKER,
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    lines.length > 0 ? 'resources:' : 'resources: []',
    ...lines,
    '',
  ].join('\n');
}

/** Where the rendered folder lives for Argo CD (`render --argocd`). */
export interface ArgoCdOptions {
  /** The GitOps repository Argo CD reads (`https://…` or `ssh://…`/`git@…`). */
  readonly repoURL: string;
  /** The folder render writes, as a path inside that repository (`sandboxes`, `clusters/a/sandboxes`). */
  readonly path: string;
  /** The revision to follow. @default 'HEAD' */
  readonly targetRevision?: string;
  /** The AppProject render writes and every Application uses. @default 'eval-sandboxes' */
  readonly project?: string;
  /** The namespace Argo CD runs in (Applications and the AppProject go there). @default 'argocd' */
  readonly namespace?: string;
}

/** The folder of Argo CD objects inside the rendered output. */
export const ARGOCD_FOLDER = 'argocd';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Every problem of `options`, as `--flag: what is wrong, what is allowed`. */
export function argoCdProblems(options: ArgoCdOptions): string[] {
  const problems: string[] = [];
  if (!/^(https:\/\/|ssh:\/\/|git@)[^\s]+$/.test(options.repoURL)) {
    problems.push(
      `--argocd: '${options.repoURL}' is not a repository URL; use https://…, ssh://… or git@host:owner/repo.git`,
    );
  }
  const segments = options.path.split('/');
  if (
    options.path === '' ||
    options.path.startsWith('/') ||
    segments.some((seg) => seg === '' || seg === '.' || seg === '..') ||
    !/^[A-Za-z0-9._/-]+$/.test(options.path)
  ) {
    problems.push(
      `--argocd-path: '${options.path}' is not a folder inside the repository; use a relative path ` +
        `without '.', '..' or empty segments, e.g. sandboxes or clusters/prod/sandboxes`,
    );
  }
  for (const [flag, value] of [
    ['--argocd-project', options.project],
    ['--argocd-namespace', options.namespace],
  ] as const) {
    if (value !== undefined && !DNS_LABEL.test(value)) {
      problems.push(
        `${flag}: '${value}' is not a valid name; use at most 63 lowercase letters, digits and '-'`,
      );
    }
  }
  if (options.targetRevision !== undefined && !/^[^\s]+$/.test(options.targetRevision)) {
    problems.push(
      `--argocd-revision: '${options.targetRevision}' is not a revision; use a branch, tag or commit`,
    );
  }
  return problems;
}

/** The sandbox objects' kinds: all an Application of ours may create (the AppProject's allowlist). */
const SANDBOX_KINDS = {
  cluster: [{ group: '', kind: 'Namespace' }],
  namespaced: [
    { group: '', kind: 'ConfigMap' },
    { group: '', kind: 'LimitRange' },
    { group: '', kind: 'ResourceQuota' },
    { group: '', kind: 'ServiceAccount' },
    { group: 'batch', kind: 'Job' },
    { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
  ],
};

function yamlDocument(value: unknown): string {
  return stringify(value, { lineWidth: 0, sortMapEntries: false });
}

/**
 * The AppProject that confines every Application render writes: sources only from the GitOps
 * repository, destinations only `sbx-*` namespaces of the cluster Argo CD runs in, and only the
 * kinds a sandbox consists of (no RBAC, no admission policies, no workloads but Jobs).
 */
function appProject(options: Required<ArgoCdOptions>): string {
  return yamlDocument({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: {
      name: options.project,
      namespace: options.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    },
    spec: {
      description:
        'Evaluation sandboxes rendered by eval-sandbox: sandbox objects in sbx-* namespaces only',
      sourceRepos: [options.repoURL],
      destinations: [
        { server: 'https://kubernetes.default.svc', namespace: `${SANDBOX_NAMESPACE_PREFIX}*` },
      ],
      clusterResourceWhitelist: SANDBOX_KINDS.cluster,
      namespaceResourceWhitelist: SANDBOX_KINDS.namespaced,
    },
  });
}

/**
 * One evaluation's Application. Synced automatically with pruning (a removed spec's objects go),
 * but without self-heal: a sandbox the janitor or a Job's TTL removed stays removed instead of being
 * re-created (which would run the evaluation again). The finalizer deletes the sandbox's objects
 * when the Application itself is deleted.
 */
function application(e: Evaluation, options: Required<ArgoCdOptions>): string {
  return yamlDocument({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: e.namespace,
      namespace: options.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [EVALUATION_ID_LABEL]: e.name },
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project: options.project,
      source: {
        repoURL: options.repoURL,
        targetRevision: options.targetRevision,
        path: `${options.path}/${e.name}`,
      },
      destination: { server: 'https://kubernetes.default.svc', namespace: e.namespace },
      syncPolicy: { automated: { prune: true, selfHeal: false } },
    },
  });
}

/**
 * The files of a render, keyed by path relative to the output folder: `<name>/sandbox.k8s.yaml`
 * per evaluation and a `kustomization.yaml`. With Argo CD options, also `argocd/` with the
 * AppProject and one Application per evaluation, and the top kustomization lists those (an
 * app of apps) instead of the sandboxes. A pure function of its input: identical input, identical
 * bytes.
 */
export function renderFiles(
  evaluations: readonly Evaluation[],
  argocd?: ArgoCdOptions,
): Map<string, string> {
  const files = new Map<string, string>();
  const sorted = [...evaluations].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of sorted) files.set(`${e.name}/${SANDBOX_FILE}`, e.manifest);
  if (argocd === undefined) {
    files.set('kustomization.yaml', kustomization(sorted.map((e) => `${e.name}/${SANDBOX_FILE}`)));
    return files;
  }
  const options: Required<ArgoCdOptions> = {
    targetRevision: 'HEAD',
    project: 'eval-sandboxes',
    namespace: 'argocd',
    ...argocd,
  };
  const apps = [`${ARGOCD_FOLDER}/project.yaml`];
  files.set(`${ARGOCD_FOLDER}/project.yaml`, appProject(options));
  for (const e of sorted) {
    const file = `${ARGOCD_FOLDER}/${e.name}.application.yaml`;
    files.set(file, application(e, options));
    apps.push(file);
  }
  files.set('kustomization.yaml', kustomization(apps));
  return files;
}

/**
 * Replaces the folder `target` with what `fill` writes into a sibling temporary folder, all or
 * nothing: if `fill` throws, `target` is left as it was and the temporary folder is removed.
 */
export function replaceDir(target: string, fill: (staging: string) => void): void {
  const resolved = path.resolve(target);
  const staging = `${resolved}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    fill(staging);
    fs.mkdirSync(staging, { recursive: true });
    fs.rmSync(resolved, { recursive: true, force: true });
    fs.renameSync(staging, resolved);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Writes `files` (relative path → text) under `dir`, creating folders as needed. */
export function writeFiles(dir: string, files: Map<string, string>): void {
  for (const [rel, text] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
}

/** Writes `files` as the whole content of `target` (see {@link replaceDir}). */
export function writeTree(target: string, files: Map<string, string>): void {
  replaceDir(target, (staging) => writeFiles(staging, files));
}

/** Options of {@link runRender}. */
export interface RenderOptions {
  readonly out: string;
  readonly argocd?: ArgoCdOptions;
}

/**
 * Runs `render`: validates everything first and writes nothing on a problem; then replaces `out`
 * with {@link renderFiles}' files, so `out` holds exactly the current specs.
 */
export function runRender(paths: string[], options: RenderOptions, io: Io): number {
  const owned = ownedByRender(options.out);
  if (owned !== true) {
    io.err(`error: ${owned}`);
    return 2;
  }
  const usage = options.argocd === undefined ? [] : argoCdProblems(options.argocd);
  if (usage.length > 0) {
    for (const p of usage) io.err(`error: ${p}`);
    return 2;
  }
  const result = load(paths, io);
  if (result === undefined) return 2;
  if (result.problems.length > 0 || result.evaluations.length === 0) {
    if (result.problems.length > 0)
      io.err(`${plural(result.problems.length, 'problem')}; nothing written to ${options.out}`);
    return 1;
  }
  writeTree(options.out, renderFiles(result.evaluations, options.argocd));
  io.out(`rendered ${plural(result.evaluations.length, 'evaluation')} into ${options.out}`);
  return 0;
}
