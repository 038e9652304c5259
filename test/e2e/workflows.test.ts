/**
 * The GitHub Actions workflows (.github/workflows/) pass actionlint, built from the Go module proxy
 * by scripts/build-actionlint.sh, with ShellCheck checking every `run:` script. Negative controls
 * prove the linter runs: broken copies in a temporary folder fail it, and a ShellCheck finding
 * disappears when ShellCheck is switched off (so the clean result is ShellCheck's too).
 *
 * What cannot run here: GitHub itself (the runner, OIDC, environments, the actions' code). The
 * project's own policy on the same files is test/workflows/workflows.test.ts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, requireTool } from '../support/tools';

// The first build takes about a minute; a build of another tool holding the cache lock comes first.
jest.setTimeout(15 * 60_000);

const WORKFLOWS = path.join(ROOT, '.github', 'workflows');
const BUILD_SCRIPT = path.join(ROOT, 'scripts', 'build-actionlint.sh');

let actionlint = '';
let shellcheck = '';
const tmpDirs: string[] = [];

beforeAll(() => {
  shellcheck = requireTool(
    'shellcheck',
    'apt-get install -y shellcheck (Debian/Ubuntu) or brew install shellcheck (.ci/run installs it)',
  );
  const r = spawnSync('bash', [BUILD_SCRIPT], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(
      `scripts/build-actionlint.sh failed; it needs Go 1.25+ (your package manager, or https://go.dev/dl/) ` +
        `and the Go module proxy:\n${r.stderr}`,
    );
  }
  actionlint = r.stdout.trim();
});
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Runs actionlint on `files` (relative to `cwd`), with ShellCheck on PATH unless `withShellcheck` is false. */
function lint(cwd: string, files: string[], withShellcheck = true) {
  const r = spawnSync(
    actionlint,
    [
      '-no-color',
      // An empty path switches the integration off; a missing one does too, silently, hence requireTool.
      `-shellcheck=${withShellcheck ? shellcheck : ''}`,
      '-pyflakes=', // no Python scripts; keeps the result independent of what else is installed
      ...files,
    ],
    {
      cwd,
      encoding: 'utf8',
      env: {
        ...process.env,
        PATH: `${path.dirname(shellcheck)}${path.delimiter}${process.env.PATH}`,
      },
    },
  );
  return { status: r.status, output: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}` };
}

const workflowFiles = () =>
  fs
    .readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join('.github', 'workflows', f));

test('GIVEN the build script THEN it prints the actionlint of the version it pins', () => {
  const pinned = /ACTIONLINT_VERSION:-(v[0-9.]+)\}/.exec(
    fs.readFileSync(BUILD_SCRIPT, 'utf8'),
  )?.[1];
  expect(pinned).toMatch(/^v\d+\.\d+\.\d+$/);
  expect(actionlint).toBe(path.join(path.dirname(actionlint), 'actionlint'));
  expect(path.basename(path.dirname(actionlint))).toBe(`actionlint-${pinned}`);
  const version = spawnSync(actionlint, ['-version'], { encoding: 'utf8' });
  expect(version.stdout.split('\n')[0]).toBe(pinned);
});

test('GIVEN .github/workflows THEN actionlint (with ShellCheck) finds nothing', () => {
  const files = workflowFiles();
  expect(files.length).toBeGreaterThanOrEqual(3);
  // Status and output together, so a failure prints what actionlint said.
  expect(lint(ROOT, files)).toEqual({ status: 0, output: '' });
});

/** A copy of one of our workflows with one change, in a temporary repository layout. */
function brokenCopy(file: string, from: string, to: string): string {
  const text = fs.readFileSync(path.join(WORKFLOWS, file), 'utf8');
  expect(text).toContain(from);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actionlint-'));
  tmpDirs.push(dir);
  fs.mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.github', 'workflows', file), text.replace(from, to));
  return dir;
}

test.each([
  [
    'an unquoted variable in a run: script (ShellCheck SC2086)',
    'ci.yml',
    '            bash .ci/run\n',
    '            bash $CI_SCRIPT\n',
    /SC2086.*\[shellcheck\]/,
  ],
  [
    'a pull request title pasted into a script',
    'gitops.yml',
    'validate evaluations/\n',
    'validate "${{ github.event.pull_request.title }}"\n',
    /"github\.event\.pull_request\.title" is potentially untrusted.*\[expression\]/,
  ],
  [
    'a misspelt key',
    'deploy.yml',
    '    timeout-minutes: 90\n',
    '    timeout_minutes: 90\n',
    /unexpected key "timeout_minutes".*\[syntax-check\]/,
  ],
  [
    'an unknown permission scope',
    'deploy.yml',
    '      id-token: write # the OIDC token for the deploy role',
    '      id_token: write # the OIDC token for the deploy role',
    /unknown permission scope "id_token".*\[permissions\]/,
  ],
  [
    'an output of a step that does not exist',
    'deploy.yml',
    'aws-region: ${{ steps.env.outputs.region }}\n',
    'aws-region: ${{ steps.environment.outputs.region }}\n',
    /property "environment" is not defined.*\[expression\]/,
  ],
])('GIVEN a copy with %s THEN actionlint fails and says why', (_, file, from, to, expected) => {
  const dir = brokenCopy(file, from, to);
  const r = lint(dir, [path.join('.github', 'workflows', file)]);
  expect(r.output).toMatch(expected);
  expect(r.status).toBe(1);
});

test('GIVEN the ShellCheck finding THEN it is gone with ShellCheck switched off (ShellCheck really ran)', () => {
  const dir = brokenCopy('ci.yml', '            bash .ci/run\n', '            bash $CI_SCRIPT\n');
  const file = path.join('.github', 'workflows', 'ci.yml');
  expect(lint(dir, [file]).status).toBe(1);
  expect(lint(dir, [file], false)).toEqual({ status: 0, output: '' });
});
