import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { fileTree } from '../support/files';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin', 'eval-sandbox.js');
const EXAMPLES = path.join(ROOT, 'evaluations', 'example.yaml');
const DIGEST = 'b'.repeat(64);

/** Runs the real, built CLI (npm test builds lib/ first). */
function run(...args: string[]) {
  if (!fs.existsSync(path.join(ROOT, 'lib', 'cli', 'validate.js'))) {
    throw new Error(
      'lib/cli/validate.js is missing: run `npm run build` first (npm test does it for you)',
    );
  }
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
}

function spec(name: string, extra = ''): string {
  return `apiVersion: eval-sandbox.dev/v1alpha1
kind: Evaluation
metadata:
  name: ${name}
spec:
  image: registry.example.com/tasks/${name}@sha256:${DIGEST}
  resources: {cpu: "1", memory: 2Gi, ephemeralStorage: 4Gi}
  timeout: 1h
${extra}`;
}

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'render-'));
});
afterEach(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

function write(rel: string, text: string): string {
  const file = path.join(work, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

describe('eval-sandbox validate', () => {
  test('GIVEN the shipped examples WHEN validated THEN exit 0 and the count on stdout', () => {
    const r = run('validate', EXAMPLES);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '2 evaluations valid\n', '']);
  });

  test('GIVEN a folder WHEN validated THEN .yaml and .yml files are found in subfolders', () => {
    write('a/one.yaml', spec('one'));
    write('b.yml', spec('two'));
    write('notes.txt', 'not a spec');
    const r = run('validate', work);
    expect([r.status, r.stdout.trim()]).toEqual([0, '2 evaluations valid']);
  });

  test('GIVEN problems in two files WHEN validated THEN exit 1 and every problem as file:line:col', () => {
    const a = write('a.yaml', spec('one').replace('timeout: 1h', 'timeout: 1d'));
    const b = write('b.yaml', spec('one', '  retrys: 2\n'));
    const r = run('validate', a, b);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([
      `${a}:8:12: spec.timeout: '1d' is not valid; use a duration such as 1h, 90m or 1h30m (units h, m, s, in that order; at most 24h)`,
      `${b}:4:9: metadata.name: 'one' is also the name of the evaluation at ${a}:4:9; names must be unique across all files (each becomes the namespace sbx-one)`,
      `${b}:9:3: spec.retrys: unknown field; allowed here: image, command, args, env, resources, timeout, retries, ttlAfterFinished, egress`,
      '3 problems',
      '',
    ]);
  });

  test('GIVEN a YAML syntax error WHEN validated THEN exit 1 with its position', () => {
    const f = write('bad.yaml', 'apiVersion: [x\nkind: Evaluation\n');
    const r = run('validate', f);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: yaml: `),
    );
  });

  test.each([
    [['validate'], /missing required argument 'paths'/],
    [['validate', '/nonexistent/specs'], /error: \/nonexistent\/specs: cannot read \(ENOENT\)/],
  ])('GIVEN %p WHEN run THEN a usage error: exit 2', (args, message) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  test('GIVEN a folder without specs WHEN validated THEN exit 2', () => {
    write('readme.txt', 'x');
    const r = run('validate', work);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no \.yaml or \.yml files in this folder/);
  });
});

describe('eval-sandbox render', () => {
  test('GIVEN the examples WHEN rendered THEN one folder per evaluation and a sorted kustomization', () => {
    const out = path.join(work, 'out');
    const r = run('render', EXAMPLES, '--out', out);
    expect([r.status, r.stdout.trim()]).toEqual([0, `rendered 2 evaluations into ${out}`]);
    expect(Object.keys(fileTree(out)).sort()).toEqual([
      'ctf-0001/sandbox.k8s.yaml',
      'kustomization.yaml',
      'swe-0001/sandbox.k8s.yaml',
    ]);
    expect(fs.readFileSync(path.join(out, 'kustomization.yaml'), 'utf8')).toBe(
      '# Written by `eval-sandbox render`; this folder is replaced on every render: do not edit it.\n' +
        'apiVersion: kustomize.config.k8s.io/v1beta1\n' +
        'kind: Kustomization\n' +
        'resources:\n' +
        '  - ctf-0001/sandbox.k8s.yaml\n' +
        '  - swe-0001/sandbox.k8s.yaml\n',
    );
    const swe = fs.readFileSync(path.join(out, 'swe-0001', 'sandbox.k8s.yaml'), 'utf8');
    expect(swe).toMatch(/^kind: Namespace\n(.|\n)*name: sbx-swe-0001/m);
    expect(swe).toMatch(/kind: Job\n(.|\n)*name: eval-swe-0001\n/);
    expect(swe).toContain('runtimeClassName: gvisor');
    expect(swe).toContain('team: agents');
    // The rendered sandboxes pass the admission policy pack, as the cluster would judge them.
    const check = run('policy', 'check', path.join(out, 'swe-0001'), path.join(out, 'ctf-0001'));
    expect([check.status, check.stderr]).toEqual([0, '']);
  });

  test('GIVEN the same specs WHEN rendered twice THEN the output is byte-identical', () => {
    const one = path.join(work, 'one');
    const two = path.join(work, 'two');
    expect(run('render', EXAMPLES, '--out', one).status).toBe(0);
    expect(run('render', EXAMPLES, '--out', two).status).toBe(0);
    const first = fileTree(one);
    expect(fileTree(two)).toEqual(first);
    expect(run('render', EXAMPLES, '--out', one).status).toBe(0);
    expect(fileTree(one)).toEqual(first);
  });

  test('GIVEN one invalid spec WHEN rendered THEN exit 1 and nothing changes', () => {
    const out = path.join(work, 'out');
    write('specs/a.yaml', spec('one'));
    expect(run('render', path.join(work, 'specs'), '--out', out).status).toBe(0);
    const before = fileTree(out);
    write('specs/b.yaml', spec('two').replace('memory: 2Gi', 'memory: 2GB'));
    write('specs/c.yaml', spec('three'));
    const r = run('render', path.join(work, 'specs'), '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/b\.yaml:7:33: spec\.resources\.memory: '2GB' is not valid/);
    expect(r.stderr).toMatch(/1 problem; nothing written to /);
    expect(fileTree(out)).toEqual(before);
    expect(fs.readdirSync(work).sort()).toEqual(['out', 'specs']);
  });

  test('GIVEN a spec removed WHEN rendered again THEN its folder is gone', () => {
    const out = path.join(work, 'out');
    const a = write('specs/a.yaml', spec('one'));
    const b = write('specs/b.yaml', spec('two'));
    expect(run('render', a, b, '--out', out).status).toBe(0);
    expect(fs.existsSync(path.join(out, 'two'))).toBe(true);
    fs.rmSync(b);
    expect(run('render', path.join(work, 'specs'), '--out', out).status).toBe(0);
    expect(Object.keys(fileTree(out)).sort()).toEqual([
      'kustomization.yaml',
      'one/sandbox.k8s.yaml',
    ]);
    expect(fs.readFileSync(path.join(out, 'kustomization.yaml'), 'utf8')).not.toContain('two');
  });

  test.each([
    ['a folder of the user', { 'notes/plan.md': 'mine' }],
    ['a kustomization not written by render', { 'kustomization.yaml': 'resources: [a.yaml]\n' }],
  ])('GIVEN %s as --out WHEN rendered THEN refused with exit 2 and left alone', (_what, files) => {
    const out = path.join(work, 'out');
    for (const [rel, text] of Object.entries(files)) write(path.join('out', rel), text);
    const r = run('render', EXAMPLES, '--out', out);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `error: refusing to render into ${out}: it is not empty and has no kustomization.yaml written by ` +
        'eval-sandbox render; render owns its output folder and deletes what it did not write, so give ' +
        '--out a new or empty folder\n',
    );
    expect(fileTree(out)).toEqual(files);
  });

  test('GIVEN an empty folder as --out WHEN rendered THEN it is used', () => {
    const out = path.join(work, 'out');
    fs.mkdirSync(out);
    expect(run('render', EXAMPLES, '--out', out).status).toBe(0);
  });

  test('GIVEN no --out WHEN rendered THEN a usage error: exit 2', () => {
    const r = run('render', EXAMPLES);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/required option '-o, --out <dir>' not specified/);
  });
});

describe('eval-sandbox render --argocd', () => {
  const REPO = 'https://git.example.com/lab/gitops.git';
  const argocd = (out: string, ...extra: string[]) =>
    run('render', EXAMPLES, '--out', out, '--argocd', REPO, '--argocd-path', 'sandboxes', ...extra);

  test('GIVEN the examples WHEN rendered for Argo CD THEN the output is the golden tree, byte for byte', () => {
    const out = path.join(work, 'out');
    expect(argocd(out).status).toBe(0);
    const files = fileTree(out);
    expect(Object.keys(files).sort()).toEqual([
      'argocd/ctf-0001.application.yaml',
      'argocd/project.yaml',
      'argocd/swe-0001.application.yaml',
      'ctf-0001/sandbox.k8s.yaml',
      'kustomization.yaml',
      'swe-0001/sandbox.k8s.yaml',
    ]);
    // The sandboxes are the same bytes as without --argocd (the committed dist/evaluations).
    for (const name of ['ctf-0001', 'swe-0001']) {
      expect(files[`${name}/sandbox.k8s.yaml`]).toBe(
        fs.readFileSync(path.join(ROOT, 'dist', 'evaluations', name, 'sandbox.k8s.yaml'), 'utf8'),
      );
    }
    expect(files['kustomization.yaml']).toMatchSnapshot('kustomization.yaml');
    expect(files['argocd/project.yaml']).toMatchSnapshot('project.yaml');
    expect(files['argocd/swe-0001.application.yaml']).toMatchSnapshot('swe-0001.application.yaml');
    const again = path.join(work, 'again');
    expect(argocd(again).status).toBe(0);
    expect(fileTree(again)).toEqual(files);
  });

  test('GIVEN the rendered sandboxes WHEN compared with the AppProject THEN it allows every object they hold and nothing that grants rights', () => {
    const out = path.join(work, 'out');
    expect(argocd(out).status).toBe(0);
    const project = parse(fs.readFileSync(path.join(out, 'argocd', 'project.yaml'), 'utf8')) as {
      spec: {
        sourceRepos: string[];
        destinations: { server: string; namespace: string }[];
        clusterResourceWhitelist: { group: string; kind: string }[];
        namespaceResourceWhitelist: { group: string; kind: string }[];
      };
    };
    const allowed = (list: { group: string; kind: string }[]) =>
      new Set(list.map((k) => `${k.group}/${k.kind}`));
    const cluster = allowed(project.spec.clusterResourceWhitelist);
    const namespaced = allowed(project.spec.namespaceResourceWhitelist);
    for (const name of ['ctf-0001', 'swe-0001']) {
      const objects = parseAllDocuments(
        fs.readFileSync(path.join(out, name, 'sandbox.k8s.yaml'), 'utf8'),
      ).map(
        (d) => d.toJS() as { apiVersion: string; kind: string; metadata: { namespace?: string } },
      );
      for (const o of objects) {
        const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
        const list = o.metadata.namespace === undefined ? cluster : namespaced;
        expect({ kind: `${group}/${o.kind}`, allowed: list.has(`${group}/${o.kind}`) }).toEqual({
          kind: `${group}/${o.kind}`,
          allowed: true,
        });
      }
      const app = parse(
        fs.readFileSync(path.join(out, 'argocd', `${name}.application.yaml`), 'utf8'),
      ) as { spec: { destination: { namespace: string }; source: { path: string } } };
      const ns = objects.find((o) => o.kind === 'Namespace') as unknown as {
        metadata: { name: string };
      };
      expect(app.spec.destination.namespace).toBe(ns.metadata.name);
      expect(app.spec.source.path).toBe(`sandboxes/${name}`);
    }
    for (const kind of ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']) {
      expect([...cluster, ...namespaced].some((k) => k.endsWith(`/${kind}`))).toBe(false);
    }
    expect([...namespaced].some((k) => /\/(Pod|Deployment|DaemonSet|Secret)$/.test(k))).toBe(false);
    expect(project.spec.sourceRepos).toEqual([REPO]);
    expect(project.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'sbx-*' },
    ]);
  });

  test.each([
    [
      'a repository URL that is not one',
      ['--argocd', 'http://x', '--argocd-path', 'sandboxes'],
      "error: --argocd: 'http://x' is not a repository URL; use https://…, ssh://… or git@host:owner/repo.git",
    ],
    [
      'a path leaving the repository',
      ['--argocd', REPO, '--argocd-path', '../sandboxes'],
      "error: --argocd-path: '../sandboxes' is not a folder inside the repository",
    ],
    [
      'an absolute path',
      ['--argocd', REPO, '--argocd-path', '/sandboxes'],
      "error: --argocd-path: '/sandboxes' is not a folder inside the repository",
    ],
    ['no path', ['--argocd', REPO], 'error: --argocd-path: required with --argocd'],
    [
      'a path without --argocd',
      ['--argocd-path', 'sandboxes'],
      'error: --argocd-path: only meaningful with --argocd <repoURL>',
    ],
    [
      'a project that is not a name',
      ['--argocd', REPO, '--argocd-path', 'sandboxes', '--argocd-project', 'Eval_Sandboxes'],
      "error: --argocd-project: 'Eval_Sandboxes' is not a valid name",
    ],
  ])(
    'GIVEN %s WHEN rendered THEN exit 2, the flag named, nothing written',
    (_what, args, message) => {
      const out = path.join(work, 'out');
      const r = run('render', EXAMPLES, '--out', out, ...args);
      expect({ status: r.status, stderr: r.stderr }).toEqual({
        status: 2,
        stderr: expect.stringContaining(message),
      });
      expect(fs.existsSync(out)).toBe(false);
    },
  );
});
