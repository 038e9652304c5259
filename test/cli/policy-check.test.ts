import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { workload } from '../../policies/k8s/fixtures/workloads';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'eval-sandbox.js');

/** Runs the real, built CLI (npm test builds lib/ first). */
function check(...args: string[]) {
  if (!fs.existsSync(path.join(ROOT, 'lib', 'cli', 'main.js'))) {
    throw new Error(
      'lib/cli/main.js is missing: run `npm run build` first (npm test does it for you)',
    );
  }
  return spawnSync(process.execPath, [BIN, 'policy', 'check', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'policy-check-'));
}

function write(dir: string, name: string, content: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

const COMPLIANT = stringify(workload('Job', 'ok'));
const badPod = () => {
  const pod = workload('Pod', 'weak');
  pod.spec.hostNetwork = true;
  return pod;
};

describe('eval-sandbox policy check', () => {
  test('GIVEN the synthesized manifests THEN everything is admitted, exit 0', () => {
    const r = check('dist');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // The two charts, and evaluations/ rendered: two sandboxes and their kustomization.yaml.
    expect(r.stdout).toMatch(/^\d+ objects in 5 files: (\d+) admitted, 0 rejected\n$/);
  });

  test('GIVEN the attack catalogue THEN every object is rejected, exit 1', () => {
    const r = check('--output', 'json', 'policies/k8s');
    expect(r.status).toBe(1);
    const results = JSON.parse(r.stdout) as { file: string; admitted: boolean }[];
    const bad = results.filter((x) => x.file.includes(`${path.sep}bad${path.sep}`));
    const good = results.filter((x) => x.file.includes(`${path.sep}good${path.sep}`));
    expect(bad.length).toBeGreaterThanOrEqual(40);
    expect(bad.every((x) => !x.admitted)).toBe(true);
    expect(good.every((x) => x.admitted)).toBe(true);
  });

  test('GIVEN a rejected object THEN the text report names file, kind, name and each violation', () => {
    const dir = tmpDir();
    const file = write(dir, 'pod.yaml', stringify(badPod()));
    const r = check(file);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(
      `${file}: Pod weak rejected\n` +
        '  - spec.hostNetwork: must not be true [SBX-R3-pod-security-restricted]\n' +
        '1 objects in 1 files: 0 admitted, 1 rejected\n',
    );
  });

  test('GIVEN --output json THEN each object is {file, kind, namespace, name, admitted, violations}', () => {
    const dir = tmpDir();
    const multi = write(
      dir,
      'multi.yaml',
      `${COMPLIANT}---\n${stringify({ ...badPod(), metadata: { name: 'weak', namespace: 'sbx-1' } })}---\n`,
    );
    const r = check('-o', 'json', multi);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      { file: multi, kind: 'Job', namespace: null, name: 'ok', admitted: true, violations: [] },
      {
        file: multi,
        kind: 'Pod',
        namespace: 'sbx-1',
        name: 'weak',
        admitted: false,
        violations: [
          {
            rule: 'SBX-R3-pod-security-restricted',
            message: 'spec.hostNetwork: must not be true [SBX-R3-pod-security-restricted]',
          },
        ],
      },
    ]);
  });

  test('GIVEN folders THEN .yaml, .yml and .json files are read recursively, List items expanded', () => {
    const dir = tmpDir();
    write(dir, 'a/job.yml', COMPLIANT);
    write(
      dir,
      'b/list.json',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [workload('Pod', 'p1'), workload('Deployment', 'd1')],
      }),
    );
    write(dir, 'b/notes.txt', 'not a manifest');
    const r = check('-o', 'json', dir);
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { name: string }[]).map((x) => x.name)).toEqual([
      'ok',
      'p1',
      'd1',
    ]);
  });

  test('GIVEN --include THEN an off-by-default rule is enforced', () => {
    const pod = workload('Pod', 'p');
    pod.spec.volumes.push({ name: 'creds', secret: { secretName: 'api-key' } });
    const file = write(tmpDir(), 'pod.yaml', stringify(pod));
    expect(check(file).status).toBe(0);
    const r = check('--include', 'SBX-X1-no-secrets-in-sandbox', '-o', 'json', file);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)[0].violations[0].rule).toBe('SBX-X1-no-secrets-in-sandbox');
  });

  test.each<[string, (dir: string) => string[], RegExp]>([
    [
      'a missing path',
      (d) => [path.join(d, 'missing.yaml')],
      /^error: .*missing\.yaml: cannot read \(ENOENT\)\n$/,
    ],
    [
      'invalid YAML',
      (d) => [write(d, 'broken.yaml', 'kind: Pod\n  name: [unclosed\n')],
      /^error: .*broken\.yaml: not valid YAML at line \d+, column \d+/,
    ],
    [
      'invalid JSON',
      (d) => [write(d, 'broken.json', '{"kind": ')],
      /^error: .*broken\.json: not valid JSON/,
    ],
    [
      'an object without kind',
      (d) => [write(d, 'nokind.yaml', 'apiVersion: v1\nmetadata: {name: x}\n')],
      /^error: .*nokind\.yaml: object without apiVersion or kind/,
    ],
    [
      'a scalar document',
      (d) => [write(d, 'scalar.yaml', `${COMPLIANT}---\njust text\n`)],
      /^error: .*scalar\.yaml \(document 2\): not a Kubernetes object/,
    ],
    [
      'a first document marked with ---',
      (d) => [write(d, 'marked.yaml', `---\njust text\n`)],
      /^error: .*marked\.yaml \(document 1\): not a Kubernetes object/,
    ],
    [
      'a first document followed by others',
      (d) => [write(d, 'first.yaml', `just text\n---\n${COMPLIANT}`)],
      /^error: .*first\.yaml \(document 1\): not a Kubernetes object/,
    ],
    [
      'a single unmarked document',
      (d) => [write(d, 'single.yaml', `just text\n`)],
      /^error: .*single\.yaml: not a Kubernetes object/,
    ],
    [
      'a folder without manifests',
      (d) => [fs.mkdirSync(path.join(d, 'empty')) ?? path.join(d, 'empty')],
      /^error: .*empty: no \.yaml, \.yml or \.json files in this folder/,
    ],
    [
      'an unknown rule',
      (d) => ['--include', 'SBX-X9-nope', write(d, 'ok.yaml', COMPLIANT)],
      /^error: include: unknown rule 'SBX-X9-nope'/,
    ],
    [
      'an unknown rule, with threads',
      (d) => ['--jobs', '2', '--include', 'SBX-X9-nope', write(d, 'ok.yaml', COMPLIANT)],
      /^error: include: unknown rule 'SBX-X9-nope'/,
    ],
  ])('GIVEN %s THEN exit 2, the file named, nothing on stdout', (_what, args, message) => {
    const dir = tmpDir();
    const r = check(...args(dir));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  test('GIVEN --as THEN boundary rules judge that user; without it the platform identity is used', () => {
    const dir = tmpDir();
    const file = write(
      dir,
      'quota.yaml',
      stringify({
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'more', namespace: 'sbx-1' },
        spec: { hard: { pods: '100' } },
      }),
    );
    expect(check(file).status).toBe(0);
    const asRunner = check('--as', 'runner', '--group', 'eval-runners', file);
    expect(asRunner.status).toBe(1);
    expect(asRunner.stdout).toContain(
      '  - kind: ResourceQuota in a sandbox namespace may only be written by the platform identity [SBX-B2-sandbox-rbac]',
    );
    // A group of the platform identity makes the user the platform again.
    expect(check('--as', 'alice', '--group', 'eval-sandbox:platform', file).status).toBe(0);
  });

  test('GIVEN a namespace outside the sandbox prefix THEN sandbox-scoped rules do not apply, as on the cluster', () => {
    const dir = tmpDir();
    const pod = badPod();
    pod.metadata.namespace = 'team-a';
    const file = write(dir, 'pod.yaml', stringify(pod));
    expect(check(file).status).toBe(0);
    pod.metadata.namespace = 'sbx-team-a';
    write(dir, 'pod.yaml', stringify(pod));
    expect(check(file).status).toBe(1);
  });

  test('GIVEN --group without --as, or an empty --as THEN exit 2 with the fix', () => {
    const file = write(tmpDir(), 'ok.yaml', COMPLIANT);
    const r = check('--group', 'x', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('--group needs --as: name the user the groups belong to\n');
    const empty = check('--as', '', file);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toBe('--as needs a user name\n');
  });

  test('GIVEN a bad --output THEN exit 2', () => {
    const r = check('--output', 'xml', 'dist');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--output must be one of text, json, sarif, junit, got 'xml'/);
  });

  test('GIVEN good and unreadable input together THEN nothing is evaluated (exit 2)', () => {
    const dir = tmpDir();
    const r = check(write(dir, 'ok.yaml', COMPLIANT), path.join(dir, 'missing.yaml'));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe('eval-sandbox policy check: the conventions of kubeconform, conftest and the kyverno CLI', () => {
  // A plain pod in a sandbox namespace: several rules refuse it (runtime class, digest, PSS…).
  const WEAK = stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'sbx-x' },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  const stdin = (input: string, ...args: string[]) =>
    spawnSync(process.execPath, [BIN, 'policy', 'check', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      input,
    });

  test('GIVEN - THEN objects are read from stdin, reported as (stdin)', () => {
    const r = stdin(WEAK, '-');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^\(stdin\): Pod sbx-x\/p rejected$/m);
    expect(r.stdout).toMatch(/^1 objects in 1 files: 0 admitted, 1 rejected$/m);
    expect(stdin(COMPLIANT, '-').status).toBe(0);
  });

  test('GIVEN --quiet THEN only the summary line', () => {
    const dir = tmpDir();
    const r = check('--quiet', write(dir, 'bad.yaml', WEAK));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('1 objects in 1 files: 0 admitted, 1 rejected\n');
  });

  test('GIVEN --output sarif THEN SARIF 2.1.0: one result per violation, at its file, with its rule described', () => {
    const dir = tmpDir();
    const bad = write(dir, 'bad.yaml', WEAK);
    const r = check('-o', 'sarif', bad, write(dir, 'ok.yaml', COMPLIANT));
    expect(r.status).toBe(1);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe('2.1.0');
    const [run] = sarif.runs;
    expect(run.results.length).toBeGreaterThan(1);
    const ids = new Set(run.tool.driver.rules.map((x: { id: string }) => x.id));
    for (const result of run.results) {
      expect(result.level).toBe('error');
      expect(ids.has(result.ruleId)).toBe(true);
      expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe(bad);
      expect(result.message.text).toMatch(/^Pod sbx-x\/p: /);
    }
    expect(ids.has('SBX-R1-runtime-class')).toBe(true);
  });

  test('GIVEN --output junit THEN one test case per object, a failure per rejected one, XML escaped', () => {
    const dir = tmpDir();
    const r = check('-o', 'junit', write(dir, 'bad.yaml', WEAK), write(dir, 'ok.yaml', COMPLIANT));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites tests="2" failures="1">/,
    );
    expect(r.stdout.match(/<testcase /g)).toHaveLength(2);
    expect(r.stdout.match(/<failure /g)).toHaveLength(1);
    // The digest hint's angle brackets are escaped, not markup.
    expect(r.stdout).toContain('name@sha256:&lt;64 lowercase hex&gt;');
    expect(r.stdout).not.toMatch(/<64 lowercase hex>/);
  });

  test('GIVEN a folder with a non-Kubernetes YAML file THEN exit 2 naming the flag; WITH --skip-non-k8s it is skipped and said so', () => {
    const dir = tmpDir();
    write(dir, 'cdk8s.yaml', 'language: typescript\napp: npx ts-node main.ts\n');
    write(dir, 'values.yaml', '- a\n- b\n');
    write(dir, 'bad.yaml', WEAK);
    const refused = check(dir);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      /cdk8s\.yaml: object without apiVersion or kind; .*--skip-non-k8s/,
    );
    const skipped = check('--skip-non-k8s', dir);
    expect(skipped.status).toBe(1);
    expect(skipped.stderr).toContain(
      `skipped: ${path.join(dir, 'cdk8s.yaml')}: no apiVersion or kind`,
    );
    expect(skipped.stderr).toContain(
      `skipped: ${path.join(dir, 'values.yaml')}: not a Kubernetes object`,
    );
    expect(skipped.stdout).toMatch(/^1 objects in 1 files: 0 admitted, 1 rejected$/m);
  });

  test('GIVEN --skip-kind THEN objects of that kind are not judged', () => {
    const dir = tmpDir();
    const r = check(
      '--skip-kind',
      'Pod',
      write(dir, 'bad.yaml', WEAK),
      write(dir, 'ok.yaml', COMPLIANT),
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('1 objects in 1 files: 1 admitted, 0 rejected\n');
  });

  test('GIVEN an empty file named explicitly THEN a warning, not an error', () => {
    const dir = tmpDir();
    const empty = write(dir, 'empty.yaml', '');
    const r = check(empty, write(dir, 'ok.yaml', COMPLIANT));
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`warning: ${empty}: no objects (the file is empty)\n`);
  });

  test('GIVEN a YAML alias bomb THEN exit 2 and the error names the file', () => {
    const dir = tmpDir();
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const bomb = write(dir, 'bomb.yaml', `${levels.join('\n')}\n`);
    const r = check(bomb);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^error: ${bomb.replace(/[.]/g, '\\.')}: refused \\(.*alias`, 'm'),
    );
  });

  test('GIVEN --jobs THEN threads judge, and every report is the same as judging in the process', () => {
    const dir = tmpDir();
    // Many documents in several files: rejections, a skipped document, a List, a JSON file, an
    // empty file, and documents that take the yaml library's path (an anchor, a quote over lines).
    const pods = Array.from({ length: 300 }, (_, i) =>
      stringify(
        i % 7 === 3 ? { ...badPod(), metadata: { name: `weak-${i}` } } : workload('Pod', `p-${i}`),
      ),
    );
    write(dir, 'a/pods.yaml', pods.join('---\n'));
    write(
      dir,
      'b/mixed.yaml',
      `${COMPLIANT}---\nnot: kubernetes\n---\n${WEAK}---\nx: &a 1\ny: "two\n  lines"\n`,
    );
    write(
      dir,
      'b/list.json',
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [workload('Pod', 'l1')] }),
    );
    write(dir, 'c/empty.yaml', '');
    for (const output of ['json', 'text', 'sarif', 'junit']) {
      const inProcess = check('--jobs', '1', '--skip-non-k8s', '-o', output, dir);
      const threads = check('--jobs', '3', '--skip-non-k8s', '-o', output, dir);
      expect(inProcess.status).toBe(1);
      expect(threads.stdout).toBe(inProcess.stdout);
      expect(threads.stderr).toBe(inProcess.stderr);
      expect(threads.status).toBe(inProcess.status);
    }
    const results = JSON.parse(
      check('--jobs', '3', '--skip-non-k8s', '-o', 'json', dir).stdout,
    ) as {
      name: string;
      admitted: boolean;
    }[];
    expect(results.length).toBe(300 + 2 + 1);
    expect(results.filter((r) => !r.admitted).length).toBe(43 + 1);
    expect(results.slice(0, 3).map((r) => r.name)).toEqual(['p-0', 'p-1', 'p-2']);
  });

  test('GIVEN more than 2 MiB of input and no --jobs (threads, by default) THEN the same report as --jobs 1', () => {
    const dir = tmpDir();
    const pods = Array.from({ length: 2200 }, (_, i) =>
      stringify(
        i % 500 === 7
          ? { ...badPod(), metadata: { name: `weak-${i}` } }
          : workload('Pod', `p-${i}`),
      ),
    );
    const file = write(dir, 'pods.yaml', pods.join('---\n'));
    expect(fs.statSync(file).size).toBeGreaterThan(2 * 1024 * 1024);
    const byDefault = check('-o', 'json', file);
    const inProcess = check('--jobs', '1', '-o', 'json', file);
    expect(byDefault.status).toBe(1);
    expect(byDefault.stdout).toBe(inProcess.stdout);
    expect(byDefault.stderr).toBe(inProcess.stderr);
    expect((JSON.parse(byDefault.stdout) as unknown[]).length).toBe(2200);
  });

  test('GIVEN a YAML error late in the last file THEN with threads too exit 2, that error (line and column), no verdicts', () => {
    const dir = tmpDir();
    write(
      dir,
      'a.yaml',
      Array.from({ length: 200 }, (_, i) => stringify(workload('Pod', `p-${i}`))).join('---\n'),
    );
    const docs = Array.from({ length: 200 }, (_, i) => stringify(workload('Pod', `q-${i}`)));
    docs[150] = 'kind: Pod\nmetadata: {name: [unclosed\n';
    const bad = write(dir, 'b.yaml', docs.join('---\n'));
    // The bad document's first line (after its `---`).
    const first = docs.slice(0, 150).join('---\n').split('\n').length + 1;
    const [one, two] = ['1', '2'].map((jobs) => check('--jobs', jobs, dir));
    for (const r of [one, two]) {
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
    }
    expect(two.stderr).toBe(one.stderr);
    const m = new RegExp(
      `^error: ${bad.replace(/[.]/g, '\\.')}: not valid YAML at line (\\d+), column \\d+ \\(.+\\)\n$`,
    ).exec(one.stderr);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(first);
    expect(Number(m?.[1])).toBeLessThanOrEqual(first + 2);
  });

  test('GIVEN a bad --jobs THEN exit 2 naming the range', () => {
    for (const jobs of ['0', 'two', '1.5', '65']) {
      const r = check('--jobs', jobs, 'dist');
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`--jobs must be a whole number from 1 to 64, got '${jobs}'\n`);
    }
  });

  test('GIVEN an unknown command THEN it says so, exit 2', () => {
    const r = spawnSync(process.execPath, [BIN, 'polcy'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: unknown command 'polcy'/);
    const sub = spawnSync(process.execPath, [BIN, 'policy', 'chek'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(sub.status).toBe(2);
    expect(sub.stderr).toMatch(/unknown command 'chek'/);
  });
});
