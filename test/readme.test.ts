import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { expectSchemaValid, K8sObject } from './support/k8s';

const ROOT = path.resolve(__dirname, '..');

/** The TypeScript blocks of README.md that import `entry` (the package or one of its entry points). */
function readmeExamples(entry = 'eval-sandbox'): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1])
    .filter((code) => code.includes(`from '${entry}'`));
}

/** Runs a README example as written, from inside the package so `import 'eval-sandbox…'` resolves. */
function runExample(code: string, env: Record<string, string>) {
  if (!fs.existsSync(path.join(ROOT, 'lib', 'constructs', 'index.js'))) {
    throw new Error('lib/ is missing: run `npm run build` first (npm test does it for you)');
  }
  const dir = fs.mkdtempSync(path.join(ROOT, 'lib', 'readme-example-'));
  try {
    const file = path.join(dir, 'example.ts');
    fs.writeFileSync(file, code);
    return spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [file], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('README', () => {
  test('shows the two set-up commands and the test command CI runs', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npm ci && npm run synth');
    expect(readme).toMatch(/^npm test\b/m);
    expect(fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
  });

  test.each(
    [
      ...fs
        .readFileSync(path.join(ROOT, 'README.md'), 'utf8')
        .matchAll(/```console\n\$ npx (eval-sandbox [^\n]*)\n([\s\S]*?)```/g),
    ].map((m) => [m[1], m[2]]),
  )('the console example `%s` prints what the README shows', (command, shown) => {
    const args = command.split(' ').slice(1);
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'eval-sandbox.js'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stdout).toBe(shown);
  });

  test('the library example runs as written, importing the built package by name, and emits valid objects', () => {
    const [example] = readmeExamples();
    expect(example).toBeDefined();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-out-'));
    try {
      const r = runExample(example, { CDK8S_OUTDIR: out });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const objects = fs
        .readdirSync(out)
        .flatMap((f) =>
          parseAllDocuments(fs.readFileSync(path.join(out, f), 'utf8')).map(
            (d) => d.toJS() as K8sObject,
          ),
        );
      expect(objects.map((o) => o.kind)).toEqual(
        expect.arrayContaining([
          'RuntimeClass',
          'PriorityClass',
          'ValidatingAdmissionPolicy',
          'CronJob',
          'ClusterRole',
          'Namespace',
          'Job',
          'RoleBinding',
          'NetworkPolicy',
        ]),
      );
      expectSchemaValid(objects);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  test('the AWS example runs as written through eval-sandbox/aws and synthesizes a stack that passes the rule pack', () => {
    const [example] = readmeExamples('eval-sandbox/aws');
    expect(example).toBeDefined();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-aws-'));
    try {
      const r = runExample(example, { CDKTF_OUTDIR: out });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const json = JSON.parse(
        fs.readFileSync(path.join(out, 'stacks', 'sandbox', 'cdk.tf.json'), 'utf8'),
      );
      expect(Object.keys(json.resource)).toEqual(
        expect.arrayContaining(['aws_vpc', 'aws_eks_cluster', 'aws_flow_log']),
      );
      expect(Object.values(json.resource.aws_eks_cluster)[0]).toEqual(
        expect.objectContaining({
          access_config: expect.objectContaining({ authentication_mode: 'API' }),
        }),
      );
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
