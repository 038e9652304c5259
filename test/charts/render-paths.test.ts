/**
 * The three ways to turn evaluations/ into manifests agree byte for byte: `npm run synth` (the app's
 * entry point), the real cdk8s CLI (`npx cdk8s synth`, a devDependency) and `eval-sandbox render`.
 * A failed synthesis leaves the previous output as it was.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileTree } from '../support/files';

const ROOT = path.resolve(__dirname, '../..');
const CDK8S = path.join(ROOT, 'node_modules', '.bin', 'cdk8s');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

function run(command: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(command, args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

let work: string;
beforeAll(() => {
  if (!fs.existsSync(CDK8S)) {
    throw new Error(
      'node_modules/.bin/cdk8s is missing: run `npm ci` (cdk8s-cli is a devDependency)',
    );
  }
  if (!fs.existsSync(path.join(ROOT, 'lib', 'cli', 'main.js'))) {
    throw new Error('lib/ is missing: run `npm run build` first (npm test does it for you)');
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'render-paths-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('the three render paths', () => {
  test('GIVEN evaluations/ WHEN rendered by npm run synth, cdk8s synth and eval-sandbox render THEN the bytes agree', () => {
    const viaApp = path.join(work, 'app');
    const viaCdk8s = path.join(work, 'cdk8s');
    const viaCli = path.join(work, 'cli');
    expect(run(TSX, ['charts/main.ts'], { CDK8S_OUTDIR: viaApp }).status).toBe(0);
    const cdk8s = run(CDK8S, ['synth', '--output', viaCdk8s]);
    expect(cdk8s).toEqual({ status: 0, out: expect.any(String) });
    const cli = run(process.execPath, [
      'bin/eval-sandbox.js',
      'render',
      'evaluations',
      '--out',
      viaCli,
    ]);
    expect(cli).toEqual({ status: 0, out: expect.stringContaining('rendered 2 evaluations') });

    const rendered = fileTree(viaCli);
    expect(Object.keys(rendered).sort()).toEqual([
      'ctf-0001/sandbox.k8s.yaml',
      'kustomization.yaml',
      'swe-0001/sandbox.k8s.yaml',
    ]);
    expect(fileTree(path.join(viaApp, 'evaluations'))).toEqual(rendered);
    expect(fileTree(viaCdk8s)).toEqual(fileTree(viaApp));
    // The committed dist/ is the same output (check-synth-drift keeps it so).
    expect(fileTree(path.join(ROOT, 'dist'))).toEqual(fileTree(viaApp));
  });

  test('GIVEN an invalid spec WHEN the app synthesizes THEN it names the problem and leaves the output as it was', () => {
    const specs = path.join(work, 'bad-specs');
    fs.mkdirSync(specs);
    fs.copyFileSync(path.join(ROOT, 'evaluations', 'example.yaml'), path.join(specs, 'e.yaml'));
    fs.appendFileSync(path.join(specs, 'e.yaml'), '---\nkind: Evaluation\n');
    const out = path.join(work, 'kept');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'previous.k8s.yaml'), 'previous\n');
    const before = fileTree(path.join(ROOT, 'dist'));

    const app = run(TSX, ['charts/main.ts'], {
      CDK8S_OUTDIR: out,
      EVAL_SANDBOX_EVALUATIONS: specs,
    });
    expect(app.status).toBe(1);
    // The appended document starts on the line after the example's last and the `---`.
    const line =
      fs.readFileSync(path.join(ROOT, 'evaluations', 'example.yaml'), 'utf8').split('\n').length +
      1;
    expect(app.out).toContain(`bad-specs/e.yaml:${line}:1: apiVersion: required field is missing`);
    expect(app.out).toContain(`synthesis failed; ${out}/ was left as it was`);
    expect(fileTree(out)).toEqual({ 'previous.k8s.yaml': 'previous\n' });

    // The cdk8s CLI fails too, and never touches the committed dist/ (its output is cdk8s.out/).
    const cdk8s = run(CDK8S, ['synth', '--output', path.join(work, 'cdk8s-bad')], {
      EVAL_SANDBOX_EVALUATIONS: specs,
    });
    expect(cdk8s.status).not.toBe(0);
    expect(cdk8s.out).toMatch(/apiVersion: required field is missing/);
    expect(fileTree(path.join(ROOT, 'dist'))).toEqual(before);
  });
});
