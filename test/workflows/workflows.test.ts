/**
 * The project's policy for its GitHub Actions workflows (.github/workflows/, docs/workflows.md),
 * checked on the parsed YAML: actions pinned by commit, least-privilege permissions, OIDC only
 * where AWS is assumed, timeouts, no expressions in scripts, the GitOps and deploy triggers and
 * guards. Each policy is also run against a compliant in-memory workflow with one change, so every
 * check is shown to fail. actionlint itself runs in test/e2e/workflows.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Document, isScalar, parseDocument, visit } from 'yaml';
import { ROOT } from '../support/tools';

const WORKFLOWS_DIR = path.join(ROOT, '.github', 'workflows');

interface Step {
  readonly name?: unknown;
  readonly uses?: unknown;
  readonly run?: unknown;
  readonly with?: Record<string, unknown>;
}

interface Job {
  readonly if?: unknown;
  readonly permissions?: unknown;
  readonly 'timeout-minutes'?: unknown;
  readonly environment?: unknown;
  readonly concurrency?: unknown;
  readonly steps?: readonly Step[];
  readonly uses?: unknown;
}

interface Workflow {
  /** The file name, e.g. `deploy.yml`: some rules are per workflow. */
  readonly file: string;
  readonly doc: Document;
  readonly on: Record<string, unknown>;
  readonly permissions: unknown;
  readonly concurrency: unknown;
  readonly jobs: Record<string, Job>;
}

/** Parses a workflow; YAML errors throw (YAML 1.2: `on` is a key, not `true`). */
function load(file: string, text: string): Workflow {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.join('\n')}`);
  const data = (doc.toJS() ?? {}) as Record<string, unknown>;
  const on = data.on;
  return {
    file,
    doc,
    // `on: push` and `on: [push, pull_request]` are the short forms of `on: { push: {} }`.
    on:
      typeof on === 'string'
        ? { [on]: {} }
        : Array.isArray(on)
          ? Object.fromEntries(on.map((e: unknown) => [String(e), {}]))
          : ((on ?? {}) as Record<string, unknown>),
    permissions: data.permissions,
    concurrency: data.concurrency,
    jobs: (data.jobs ?? {}) as Record<string, Job>,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const jobs = (wf: Workflow) => Object.entries(wf.jobs);
const steps = (job: Job) => (Array.isArray(job.steps) ? job.steps : []);
const usesOf = (step: Step) => (typeof step.uses === 'string' ? step.uses : '');
const actionOf = (uses: string) => uses.split('@')[0];

// ---------------------------------------------------------------------------------------------
// The policies: each returns its problems ("file: where: what is wrong; how to fix"), [] if none.

/** owner/repo[/path]@<40 hex> followed by a `# vX.Y.Z` comment naming the release. */
const PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[^@\s]+)?@[0-9a-f]{40}$/;
const VERSION_COMMENT = /^v\d+\.\d+\.\d+$/;

/** Every `uses:` (step or reusable workflow) is pinned to a full commit SHA with its tag beside it. */
function pinnedActions(wf: Workflow): string[] {
  const problems: string[] = [];
  visit(wf.doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || pair.key.value !== 'uses') return;
      const value = isScalar(pair.value) ? pair.value : undefined;
      const uses = String(value?.value ?? '');
      if (!PINNED.test(uses)) {
        problems.push(
          `${wf.file}: uses: ${uses} is not pinned; use owner/repo@<40-hex commit SHA> # vX.Y.Z`,
        );
      } else if (!VERSION_COMMENT.test((value?.comment ?? '').trim())) {
        problems.push(
          `${wf.file}: uses: ${uses} has no version comment; add the release tag as '# vX.Y.Z' on the same line`,
        );
      }
    },
  });
  return problems;
}

/** Across workflows, each action has one pin: no two SHAs (or two tags) for the same action. */
function samePinEverywhere(wfs: readonly Workflow[]): string[] {
  const pins = new Map<string, Set<string>>();
  for (const wf of wfs) {
    visit(wf.doc, {
      Pair(_, pair) {
        if (!isScalar(pair.key) || pair.key.value !== 'uses' || !isScalar(pair.value)) return;
        const uses = String(pair.value.value);
        const pin = `${uses} #${pair.value.comment ?? ''}`;
        pins.set(actionOf(uses), (pins.get(actionOf(uses)) ?? new Set()).add(pin));
      },
    });
  }
  return [...pins]
    .filter(([, set]) => set.size > 1)
    .map(
      ([action, set]) => `${action} is pinned ${set.size} ways: ${[...set].join(', ')}; use one`,
    );
}

/** Top-level permissions are present and read-only (`{}`, or only `read`/`none` grants). */
function readOnlyTopLevel(wf: Workflow): string[] {
  const p = wf.permissions;
  if (p === undefined) {
    return [
      `${wf.file}: no top-level permissions; the token would get the repository default (add 'permissions: {}')`,
    ];
  }
  if (!isRecord(p)) {
    return [
      `${wf.file}: top-level permissions: ${String(p)}; use 'permissions: {}' and grant per job`,
    ];
  }
  return Object.entries(p)
    .filter(([, v]) => v !== 'read' && v !== 'none')
    .map(
      ([k, v]) =>
        `${wf.file}: top-level permissions grant ${k}: ${String(v)}; grant it in the job that needs it`,
    );
}

/** Write grants per job, the whole list: anything else needs a reason here and in docs/workflows.md. */
const WRITE_GRANTS: Record<string, readonly string[]> = {
  'deploy.yml#diff': ['id-token'],
  'deploy.yml#deploy': ['id-token'],
};

/** Every job declares its permissions as a mapping, and writes only what WRITE_GRANTS lists. */
function leastPrivilegeJobs(wf: Workflow): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(wf)) {
    if (!isRecord(job.permissions)) {
      problems.push(
        `${wf.file}: job ${id}: permissions: ${String(job.permissions)}; list what the job needs (contents: read)`,
      );
      continue;
    }
    const allowed = WRITE_GRANTS[`${wf.file}#${id}`] ?? [];
    for (const [scope, level] of Object.entries(job.permissions)) {
      if (level === 'write' && !allowed.includes(scope)) {
        problems.push(`${wf.file}: job ${id}: ${scope}: write is not needed (WRITE_GRANTS)`);
      } else if (level !== 'read' && level !== 'write' && level !== 'none') {
        problems.push(
          `${wf.file}: job ${id}: ${scope}: ${String(level)} is not read, write or none`,
        );
      }
    }
  }
  return problems;
}

const AWS_CREDENTIALS = 'aws-actions/configure-aws-credentials';

/** `id-token: write` only in deploy.yml, only at job level, only in jobs that assume an AWS role. */
function idTokenOnlyForAws(wf: Workflow): string[] {
  const problems: string[] = [];
  if (isRecord(wf.permissions) && wf.permissions['id-token'] === 'write') {
    problems.push(
      `${wf.file}: id-token: write at the top level reaches every job; grant it per job`,
    );
  }
  for (const [id, job] of jobs(wf)) {
    const idToken = isRecord(job.permissions) && job.permissions['id-token'] === 'write';
    const aws = steps(job).some((s) => actionOf(usesOf(s)) === AWS_CREDENTIALS);
    if (idToken && wf.file !== 'deploy.yml') {
      problems.push(`${wf.file}: job ${id}: id-token: write outside deploy.yml`);
    } else if (idToken && !aws) {
      problems.push(`${wf.file}: job ${id}: id-token: write without ${AWS_CREDENTIALS}; remove it`);
    } else if (aws && !idToken) {
      problems.push(
        `${wf.file}: job ${id}: ${AWS_CREDENTIALS} without id-token: write cannot use OIDC`,
      );
    }
  }
  return problems;
}

/** Every job has a timeout-minutes, a number from 1 to 360 (the default is 360). */
function timeouts(wf: Workflow): string[] {
  return jobs(wf)
    .filter(([, job]) => {
      const t = job['timeout-minutes'];
      return typeof t !== 'number' || !(t >= 1 && t <= 360);
    })
    .map(
      ([id, job]) =>
        `${wf.file}: job ${id}: timeout-minutes: ${String(job['timeout-minutes'])}; set 1 to 360`,
    );
}

/** Contexts an outsider writes: PR titles and bodies, branch names, commit messages, issue text … */
const UNTRUSTED = /\$\{\{[^}]*\b(github\.event\.|github\.head_ref|inputs\.)/;

/**
 * No `${{ }}` in a `run:` script: the value would be pasted into the shell source before it runs
 * (script injection). Pass it through `env:` and quote the variable. Untrusted contexts are named.
 */
function noExpressionsInRun(wf: Workflow): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(wf)) {
    steps(job).forEach((s, i) => {
      if (typeof s.run !== 'string' || !s.run.includes('${{')) return;
      const what = UNTRUSTED.test(s.run) ? 'untrusted input' : 'an expression';
      problems.push(
        `${wf.file}: job ${id} step ${i + 1}: run: has ${what} in \${{ }}; pass it via env:`,
      );
    });
  }
  return problems;
}

/** Every actions/checkout sets persist-credentials: false (create-pull-request authenticates itself). */
function checkoutsDontPersist(wf: Workflow): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(wf)) {
    steps(job).forEach((s, i) => {
      if (actionOf(usesOf(s)) === 'actions/checkout' && s.with?.['persist-credentials'] !== false) {
        problems.push(
          `${wf.file}: job ${id} step ${i + 1}: checkout without persist-credentials: false`,
        );
      }
    });
  }
  return problems;
}

/** No trigger that runs with secrets on code from a fork (pull_request_target, workflow_run). */
function noPrivilegedTriggers(wf: Workflow): string[] {
  return ['pull_request_target', 'workflow_run']
    .filter((t) => t in wf.on)
    .map((t) => `${wf.file}: on: ${t} runs fork code with secrets; use pull_request`);
}

const sameList = (v: unknown, expected: readonly string[]) =>
  Array.isArray(v) && v.length === expected.length && v.every((x, i) => x === expected[i]);

/** gitops.yml: pull requests and pushes to main, each only for evaluations/**; and manual runs. */
function gitopsTriggers(wf: Workflow): string[] {
  if (wf.file !== 'gitops.yml') return [];
  const problems: string[] = [];
  const extra = Object.keys(wf.on).filter(
    (t) => !['pull_request', 'push', 'workflow_dispatch'].includes(t),
  );
  if (extra.length > 0)
    problems.push(
      `${wf.file}: on: ${extra.join(', ')}; only pull_request, push, workflow_dispatch`,
    );
  for (const t of ['pull_request', 'push']) {
    const trigger = wf.on[t];
    if (!isRecord(trigger)) {
      problems.push(`${wf.file}: on.${t} is missing`);
      continue;
    }
    if (!sameList(trigger.paths, ['evaluations/**'])) {
      problems.push(
        `${wf.file}: on.${t}.paths: ${JSON.stringify(trigger.paths)}; use ['evaluations/**']`,
      );
    }
    if ('paths-ignore' in trigger || 'branches-ignore' in trigger) {
      problems.push(`${wf.file}: on.${t}: no paths-ignore or branches-ignore`);
    }
  }
  if (isRecord(wf.on.push) && !sameList(wf.on.push.branches, ['main'])) {
    problems.push(
      `${wf.file}: on.push.branches: ${JSON.stringify(wf.on.push.branches)}; use [main]`,
    );
  }
  return problems;
}

const runs = (job: Job, command: RegExp) =>
  steps(job).some((s) => typeof s.run === 'string' && command.test(s.run));
const DEPLOYS = /\b(cdktf deploy|terraform apply)\b/;

/**
 * A job that deploys runs in the protected `production` environment, only for main, and never
 * beside another deploy (a concurrency group that does not cancel a running one). deploy.yml must
 * have such a job.
 */
function deployGuarded(wf: Workflow): string[] {
  const problems: string[] = [];
  const deploying = jobs(wf).filter(([, job]) => runs(job, DEPLOYS));
  if (wf.file === 'deploy.yml' && deploying.length === 0) {
    problems.push(`${wf.file}: no job runs cdktf deploy`);
  }
  for (const [id, job] of deploying) {
    const env = isRecord(job.environment) ? job.environment.name : job.environment;
    if (env !== 'production') {
      problems.push(
        `${wf.file}: job ${id} deploys outside the production environment (environment: ${String(env)})`,
      );
    }
    if (typeof job.if !== 'string' || !job.if.includes("github.ref == 'refs/heads/main'")) {
      problems.push(`${wf.file}: job ${id} deploys without if: github.ref == 'refs/heads/main'`);
    }
    const c = job.concurrency ?? wf.concurrency;
    const group = isRecord(c) ? c.group : c;
    if (
      typeof group !== 'string' ||
      group === '' ||
      (isRecord(c) && c['cancel-in-progress'] !== false)
    ) {
      problems.push(
        `${wf.file}: job ${id} deploys without concurrency: { group, cancel-in-progress: false }`,
      );
    }
  }
  return problems;
}

type Policy = (wf: Workflow) => string[];

const POLICIES: Record<string, Policy> = {
  pinnedActions,
  readOnlyTopLevel,
  leastPrivilegeJobs,
  idTokenOnlyForAws,
  timeouts,
  noExpressionsInRun,
  checkoutsDontPersist,
  noPrivilegedTriggers,
  gitopsTriggers,
  deployGuarded,
};

// ---------------------------------------------------------------------------------------------

const files = fs
  .readdirSync(WORKFLOWS_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const workflows = files.map((f) => load(f, fs.readFileSync(path.join(WORKFLOWS_DIR, f), 'utf8')));

test('GIVEN .github/workflows THEN it holds ci, deploy and gitops (all checked below)', () => {
  expect(files).toEqual(['ci.yml', 'deploy.yml', 'gitops.yml']);
});

describe.each(Object.entries(POLICIES))('policy %s', (_, policy) => {
  test.each(files)('GIVEN %s THEN it has no problems', (file) => {
    const wf = workflows.find((w) => w.file === file);
    expect(wf && policy(wf)).toEqual([]);
  });
});

test('GIVEN all workflows THEN each action is pinned to one commit everywhere', () => {
  expect(samePinEverywhere(workflows)).toEqual([]);
});

test('GIVEN the workflows THEN id-token: write is granted exactly in deploy.yml diff and deploy', () => {
  const granted = workflows.flatMap((wf) =>
    jobs(wf)
      .filter(([, job]) => isRecord(job.permissions) && job.permissions['id-token'] === 'write')
      .map(([id]) => `${wf.file}#${id}`),
  );
  expect(granted.sort()).toEqual(['deploy.yml#deploy', 'deploy.yml#diff']);
});

test('GIVEN the deploy workflow THEN diff assumes the plan role and deploy the deploy role', () => {
  const deploy = workflows.find((w) => w.file === 'deploy.yml');
  const role = (job: string) =>
    steps(deploy?.jobs[job] ?? {}).find((s) => actionOf(usesOf(s)) === AWS_CREDENTIALS)?.with?.[
      'role-to-assume'
    ];
  expect(role('diff')).toBe('${{ vars.AWS_PLAN_ROLE_ARN }}');
  expect(role('deploy')).toBe('${{ vars.AWS_DEPLOY_ROLE_ARN }}');
});

// ---------------------------------------------------------------------------------------------
// Every policy can fail: a compliant workflow, then one change per case.

const CHECKOUT = 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1';
const AWS = `${AWS_CREDENTIALS}@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3`;

const GOOD_DEPLOY = `
name: deploy
on:
  push:
    branches: [main]
permissions: {}
jobs:
  deploy:
    if: github.ref == 'refs/heads/main'
    runs-on: ubuntu-24.04
    timeout-minutes: 30
    environment: production
    concurrency:
      group: deploy-production
      cancel-in-progress: false
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: ${CHECKOUT}
        with:
          persist-credentials: false
      - uses: ${AWS}
        with:
          role-to-assume: \${{ vars.AWS_DEPLOY_ROLE_ARN }}
          aws-region: eu-west-2
      - env:
          TITLE: \${{ github.event.head_commit.message }}
        run: npx cdktf deploy --auto-approve && echo "$TITLE"
`;

const GOOD_GITOPS = `
name: gitops
on:
  pull_request:
    paths: ['evaluations/**']
  push:
    branches: [main]
    paths: ['evaluations/**']
  workflow_dispatch:
permissions: {}
jobs:
  validate:
    runs-on: ubuntu-24.04
    timeout-minutes: 15
    permissions:
      contents: read
    steps:
      - uses: ${CHECKOUT}
        with:
          persist-credentials: false
      - run: node bin/eval-sandbox.js validate evaluations/
`;

interface BadCase {
  readonly policy: string;
  readonly name: string;
  readonly file: string;
  readonly base: string;
  /** The text in the compliant workflow, and its replacement. */
  readonly from: string;
  readonly to: string;
  /** A fragment of the one problem expected. */
  readonly expected: string;
}

/** [case name, text in the compliant workflow, its replacement, a fragment of the problem] */
type Change = readonly [name: string, from: string, to: string, expected: string];

const cases = (policy: string, file: string, base: string, changes: readonly Change[]) =>
  changes.map(([name, from, to, expected]): BadCase => ({
    policy,
    name,
    file,
    base,
    from,
    to,
    expected,
  }));

const BAD: readonly BadCase[] = [
  ...cases('pinnedActions', 'deploy.yml', GOOD_DEPLOY, [
    ['a tag', CHECKOUT, 'actions/checkout@v7.0.1', 'is not pinned'],
    ['a short SHA', CHECKOUT, 'actions/checkout@3d3c42e # v7.0.1', 'is not pinned'],
    ['a branch', CHECKOUT, 'actions/checkout@main', 'is not pinned'],
    ['no version comment', ' # v7.0.1', '', 'no version comment'],
    ['a comment that is not a version', ' # v7.0.1', ' # latest', 'no version comment'],
  ]),
  ...cases('readOnlyTopLevel', 'deploy.yml', GOOD_DEPLOY, [
    ['no top-level permissions', 'permissions: {}\n', '', 'no top-level permissions'],
    ['write-all', 'permissions: {}', 'permissions: write-all', 'write-all'],
    ['contents: write', 'permissions: {}', 'permissions: { contents: write }', 'contents: write'],
  ]),
  ...cases('leastPrivilegeJobs', 'gitops.yml', GOOD_GITOPS, [
    [
      'no job permissions',
      '    permissions:\n      contents: read\n',
      '',
      'permissions: undefined',
    ],
    ['contents: write', '      contents: read\n', '      contents: write\n', 'is not needed'],
    [
      'write-all',
      '    permissions:\n      contents: read\n',
      '    permissions: write-all\n',
      'write-all',
    ],
    ['a typo', '      contents: read\n', '      contents: reed\n', 'is not read, write or none'],
  ]),
  ...cases('idTokenOnlyForAws', 'ci.yml', GOOD_DEPLOY, [
    ['an AWS job outside deploy.yml', 'name: deploy', 'name: ci', 'outside deploy.yml'],
  ]),
  ...cases('idTokenOnlyForAws', 'deploy.yml', GOOD_DEPLOY, [
    [
      'a job without AWS',
      `      - uses: ${AWS}\n`,
      `      - uses: ${CHECKOUT}\n`,
      'without aws-actions',
    ],
    [
      'id-token at the top level',
      'permissions: {}',
      'permissions: { id-token: write }',
      'top level',
    ],
    ['AWS without id-token', '      id-token: write\n', '', 'cannot use OIDC'],
  ]),
  ...cases('timeouts', 'gitops.yml', GOOD_GITOPS, [
    ['no timeout', '    timeout-minutes: 15\n', '', 'timeout-minutes: undefined'],
    ['a zero timeout', 'timeout-minutes: 15', 'timeout-minutes: 0', 'timeout-minutes: 0'],
    ['an expression', 'timeout-minutes: 15', "timeout-minutes: '${{ 15 }}'", 'set 1 to 360'],
  ]),
  ...cases('noExpressionsInRun', 'deploy.yml', GOOD_DEPLOY, [
    [
      'a commit message',
      'echo "$TITLE"',
      'echo "${{ github.event.head_commit.message }}"',
      'untrusted input',
    ],
  ]),
  ...cases('noExpressionsInRun', 'gitops.yml', GOOD_GITOPS, [
    [
      'the head branch',
      'validate evaluations/',
      'validate "${{ github.head_ref }}"',
      'untrusted input',
    ],
    ['any expression', 'validate evaluations/', 'validate "${{ runner.temp }}"', 'an expression'],
  ]),
  ...cases('checkoutsDontPersist', 'gitops.yml', GOOD_GITOPS, [
    [
      'persisted credentials',
      'persist-credentials: false',
      'persist-credentials: true',
      'persist-credentials: false',
    ],
    [
      'the default',
      '        with:\n          persist-credentials: false\n',
      '',
      'persist-credentials: false',
    ],
  ]),
  ...cases('noPrivilegedTriggers', 'gitops.yml', GOOD_GITOPS, [
    [
      'pull_request_target',
      '  workflow_dispatch:\n',
      '  workflow_dispatch:\n  pull_request_target:\n',
      'pull_request_target',
    ],
    [
      'workflow_run',
      '  workflow_dispatch:\n',
      '  workflow_dispatch:\n  workflow_run: { workflows: [ci] }\n',
      'workflow_run',
    ],
  ]),
  ...cases('gitopsTriggers', 'gitops.yml', GOOD_GITOPS, [
    [
      'another path',
      "    paths: ['evaluations/**']\n  workflow_dispatch",
      "    paths: ['evaluations/**', 'stacks/**']\n  workflow_dispatch",
      'on.push.paths',
    ],
    [
      'no paths on pull requests',
      "  pull_request:\n    paths: ['evaluations/**']\n",
      '  pull_request:\n    branches: [main]\n',
      'on.pull_request.paths',
    ],
    [
      'paths-ignore',
      "  pull_request:\n    paths: ['evaluations/**']\n",
      "  pull_request:\n    paths: ['evaluations/**']\n    paths-ignore: ['evaluations/x']\n",
      'paths-ignore',
    ],
    ['every branch', '    branches: [main]\n', '', 'on.push.branches'],
    [
      'a schedule',
      '  workflow_dispatch:\n',
      "  workflow_dispatch:\n  schedule: [{ cron: '0 * * * *' }]\n",
      'on: schedule',
    ],
  ]),
  ...cases('deployGuarded', 'deploy.yml', GOOD_DEPLOY, [
    ['no environment', '    environment: production\n', '', 'outside the production environment'],
    [
      'another environment',
      'environment: production',
      'environment: { name: staging }',
      'outside the production environment',
    ],
    [
      'any branch',
      "    if: github.ref == 'refs/heads/main'\n",
      '',
      "without if: github.ref == 'refs/heads/main'",
    ],
    [
      'no concurrency',
      '    concurrency:\n      group: deploy-production\n      cancel-in-progress: false\n',
      '',
      'without concurrency',
    ],
    [
      'a deploy cancelled half-way',
      'cancel-in-progress: false',
      'cancel-in-progress: true',
      'without concurrency',
    ],
    [
      'no deploy job',
      'npx cdktf deploy --auto-approve',
      'npx cdktf diff',
      'no job runs cdktf deploy',
    ],
  ]),
];

describe('GIVEN the compliant example workflows', () => {
  test.each([
    ['deploy.yml', GOOD_DEPLOY],
    ['gitops.yml', GOOD_GITOPS],
  ])(
    '%s THEN every policy passes (so each bad case below fails for its one change)',
    (file, text) => {
      const wf = load(file, text);
      expect(Object.values(POLICIES).flatMap((p) => p(wf))).toEqual([]);
    },
  );
});

describe.each(BAD.map((c) => [c.policy, c.name, c] as const))(
  'GIVEN %s and a workflow with %s',
  (policy, _, c) => {
    test('THEN the policy reports it', () => {
      expect(c.base).toContain(c.from);
      const text = c.base.replace(c.from, c.to);
      expect(text).not.toBe(c.base);
      const problems = POLICIES[policy](load(c.file, text));
      expect(problems).toEqual([expect.stringContaining(c.expected)]);
    });
  },
);

test('GIVEN two pins of one action THEN samePinEverywhere reports it', () => {
  const a = load('a.yml', GOOD_GITOPS);
  const b = load('b.yml', GOOD_GITOPS.replace(' # v7.0.1', ' # v7.0.0'));
  expect(samePinEverywhere([a, a])).toEqual([]);
  expect(samePinEverywhere([a, b])).toEqual([
    expect.stringContaining('actions/checkout is pinned 2 ways'),
  ]);
});
