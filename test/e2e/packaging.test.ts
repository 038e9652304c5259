/**
 * The package as a user meets it: `npm pack`, then installed into a fresh cdk8s app and a fresh
 * cdktf app made from their CLIs' own `typescript` templates (the template's tsconfig.json and
 * cdk8s.yaml / cdktf.json, copied from the cdk8s-cli and cdktf-cli we depend on), with the peer
 * dependencies at the versions of our lockfile, installed from npm's cache where it has them.
 * Each app compiles with the template's compiler options, synthesizes through its CLI, and runs
 * the installed `eval-sandbox` binary; `local up` starts from the installed package's own scripts.
 *
 * What is not covered: other versions of the peers than our lockfile's, and the templates' own
 * test tooling (jest, ts-jest, ts-node), which the apps do not need to compile and synthesize.
 */
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ENVIRONMENTS } from '../../stacks/environments';
import { ROOT } from '../support/tools';

jest.setTimeout(15 * 60_000);

const BIN = path.join(ROOT, 'node_modules', '.bin');

/** The version of `name` in our lockfile (as installed in node_modules). */
function lockedVersion(name: string): string {
  const file = path.join(ROOT, 'node_modules', ...name.split('/'), 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

function run(
  cwd: string,
  command: string,
  args: string[],
  env: Record<string, string> = {},
): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', ...env },
    timeout: 10 * 60_000,
  });
}

/** Runs and fails with the output unless the exit code is 0. */
function ok(cwd: string, command: string, args: string[], env: Record<string, string> = {}) {
  const r = run(cwd, command, args, env);
  if (r.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} in ${cwd}: exit ${r.status}\n${r.stdout}\n${r.stderr}`,
    );
  }
  return r;
}

/** A fresh app from a CLI template: its tsconfig and config file, our main.ts, the given deps. */
function newApp(
  dir: string,
  template: string,
  configFile: string,
  dependencies: Record<string, string>,
  main: string,
): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const file of ['tsconfig.json', configFile]) {
    fs.copyFileSync(path.join(template, file), path.join(dir, file));
  }
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(
      {
        name: path.basename(dir),
        version: '1.0.0',
        private: true,
        main: 'main.js',
        dependencies,
        devDependencies: {
          typescript: lockedVersion('typescript'),
          '@types/node': lockedVersion('@types/node'),
        },
      },
      null,
      2,
    ),
  );
  fs.writeFileSync(path.join(dir, 'main.ts'), main);
  ok(dir, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);
}

/**
 * A fresh app from the cdk8s CLI's TypeScript template with the packed library and the README's
 * example; cdk8s and constructs at the versions of the given (possibly aliased) lockfile entries.
 */
function newCdk8sApp(dir: string, cdk8s: string, constructs: string): void {
  newApp(
    dir,
    path.join(ROOT, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app'),
    'cdk8s.yaml',
    {
      'eval-sandbox': `file:${tarball}`,
      cdk8s: lockedVersion(cdk8s),
      'cdk8s-plus-28': lockedVersion('cdk8s-plus-28'),
      constructs: lockedVersion(constructs),
    },
    readmeExample('eval-sandbox'),
  );
}

/** The README's library example, as a user pastes it into main.ts. */
function readmeExample(entry: string): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1])
    .find((b) => b.includes(`from '${entry}'`));
  if (block === undefined)
    throw new Error(`README.md has no TypeScript example importing ${entry}`);
  return block;
}

let work: string;
let tarball: string;

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'lib', 'constructs', 'index.js'))) {
    throw new Error('lib/ is missing: run `npm run build` first (npm test does it for you)');
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-sandbox-packaging-'));
  // lib/ is built by `npm test`; --ignore-scripts skips `prepare` building it again.
  const packed = ok(ROOT, 'npm', [
    'pack',
    '--ignore-scripts',
    '--json',
    '--pack-destination',
    work,
  ]);
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(work, info.filename);
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('the packed tarball', () => {
  test('holds what users need and no app entry point', () => {
    const listed = ok(ROOT, 'tar', ['-tzf', tarball]).stdout.split('\n').filter(Boolean);
    const files = listed.map((f) => f.replace(/^package\//, ''));
    for (const needed of [
      'bin/eval-sandbox.js',
      'lib/constructs/index.js',
      'lib/constructs/aws/index.d.ts',
      'lib/stacks/index.d.ts',
      'schemas/evaluation.v1alpha1.json',
      'scripts/build-control-plane.sh',
      'scripts/go-tools-env.sh',
      'scripts/build-images.sh',
      'images/probe/main.go',
      'constructs/shared/egress-gateway-image.ts',
    ]) {
      expect({ needed, present: files.includes(needed) }).toEqual({ needed, present: true });
    }
    for (const appOnly of [
      'lib/charts/main.js',
      'lib/stacks/main.js',
      'lib/policies/generate.js',
      'images/probe/main_test.go',
      'schemas/generate.ts',
    ]) {
      expect({ appOnly, present: files.includes(appOnly) }).toEqual({ appOnly, present: false });
    }
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('dist/'))).toBe(false);
  });
});

describe('in a fresh cdk8s app (cdk8s init typescript-app)', () => {
  const app = () => path.join(work, 'cdk8s-app');

  beforeAll(() => newCdk8sApp(app(), 'cdk8s', 'constructs'));

  test('one copy of constructs and cdk8s (peers), and no cdktf side installed', () => {
    const nested = path.join(app(), 'node_modules', 'eval-sandbox', 'node_modules');
    for (const name of ['constructs', 'cdk8s', 'cdk8s-plus-28']) {
      expect({ name, nested: fs.existsSync(path.join(nested, name)) }).toEqual({
        name,
        nested: false,
      });
    }
    for (const name of ['cdktf', '@cdktf/provider-aws']) {
      expect({ name, installed: fs.existsSync(path.join(app(), 'node_modules', name)) }).toEqual({
        name,
        installed: false,
      });
    }
  });

  test('the README example compiles under the template tsconfig and synthesizes through the cdk8s CLI', () => {
    ok(app(), path.join(app(), 'node_modules', '.bin', 'tsc'), []);
    ok(app(), path.join(BIN, 'cdk8s'), ['synth', '--app', 'node main.js']);
    const kinds = fs
      .readdirSync(path.join(app(), 'dist'))
      .flatMap((f) =>
        parseAllDocuments(fs.readFileSync(path.join(app(), 'dist', f), 'utf8')).map(
          (d) => (d.toJS() as { kind: string }).kind,
        ),
      );
    expect(kinds).toEqual(
      expect.arrayContaining(['RuntimeClass', 'ValidatingAdmissionPolicy', 'CronJob', 'Job']),
    );
  });

  test('the installed CLI checks the output, validates and renders a spec', () => {
    const cli = path.join(app(), 'node_modules', '.bin', 'eval-sandbox');
    const check = ok(app(), cli, ['policy', 'check', 'dist']);
    expect(check.stdout).toMatch(/objects in 2 files: \d+ admitted, 0 rejected/);
    fs.copyFileSync(path.join(ROOT, 'evaluations', 'example.yaml'), path.join(app(), 'runs.yaml'));
    expect(ok(app(), cli, ['validate', 'runs.yaml']).stdout).toContain('2 evaluations valid');
    ok(app(), cli, ['render', 'runs.yaml', '--out', 'rendered']);
    expect(fs.readdirSync(path.join(app(), 'rendered')).sort()).toEqual([
      'ctf-0001',
      'kustomization.yaml',
      'swe-0001',
    ]);
  });

  test('local up and down run from the installed package’s own build scripts', () => {
    const cli = path.join(app(), 'node_modules', '.bin', 'eval-sandbox');
    const state = path.join(work, 'local-state');
    try {
      const up = ok(app(), cli, ['local', 'up', '--state-dir', state]);
      expect(up.stdout).toContain('admission policies');
      // The hint to stop it names the same state folder.
      expect(up.stdout).toContain(`eval-sandbox local down --state-dir ${state}`);
      expect(ok(app(), cli, ['local', 'status', '--state-dir', state]).stdout).toMatch(
        /^running: https:\/\/127\.0\.0\.1:\d+, 3 of 3 processes alive/,
      );
    } finally {
      run(app(), cli, ['local', 'down', '--state-dir', state]);
    }
    expect(fs.existsSync(path.join(state, 'kubeconfig'))).toBe(false);
  });
});

describe('in a cdk8s app on the oldest peers the package supports', () => {
  // The lowest versions of package.json's peer ranges (cdk8s ^2.70.0, constructs ^10.4.2;
  // cdk8s-plus-28 has one 2.5 release). devDependencies alias them so `npm ci` caches them.
  const app = () => path.join(work, 'cdk8s-app-oldest');

  beforeAll(() => newCdk8sApp(app(), 'cdk8s-oldest-supported', 'constructs-oldest-supported'));

  test('the lowest versions tested are the floors of package.json’s peer ranges', () => {
    const peers = (
      JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
        peerDependencies: Record<string, string>;
      }
    ).peerDependencies;
    expect({ cdk8s: peers.cdk8s, constructs: peers.constructs }).toEqual({
      cdk8s: `^${lockedVersion('cdk8s-oldest-supported')}`,
      constructs: `^${lockedVersion('constructs-oldest-supported')}`,
    });
  });

  test('the README example compiles and synthesizes with one copy of constructs', () => {
    const installed = (name: string) =>
      (
        JSON.parse(
          fs.readFileSync(path.join(app(), 'node_modules', name, 'package.json'), 'utf8'),
        ) as { version: string }
      ).version;
    expect({ cdk8s: installed('cdk8s'), constructs: installed('constructs') }).toEqual({
      cdk8s: '2.70.0',
      constructs: '10.4.2',
    });
    expect(
      fs.existsSync(path.join(app(), 'node_modules', 'eval-sandbox', 'node_modules', 'constructs')),
    ).toBe(false);
    ok(app(), path.join(app(), 'node_modules', '.bin', 'tsc'), []);
    ok(app(), path.join(BIN, 'cdk8s'), ['synth', '--app', 'node main.js']);
    expect(fs.readdirSync(path.join(app(), 'dist')).length).toBeGreaterThan(0);
  });
});

describe('in a fresh cdktf app (cdktf init --template=typescript)', () => {
  const app = () => path.join(work, 'cdktf-app');
  const MAIN = `import { App } from 'cdktf';
import { SandboxVpc } from 'eval-sandbox/aws';
import { PlatformStack, parseEnvironment } from 'eval-sandbox/stacks';

const app = new App();
const env = parseEnvironment('dev', ${JSON.stringify(ENVIRONMENTS.dev)});
const stack = new PlatformStack(app, 'eval-sandbox-dev', env);
console.log(stack.node.findAll().some((c) => c instanceof SandboxVpc) ? 'has a SandboxVpc' : 'no SandboxVpc');
app.synth();
`;

  beforeAll(() => {
    newApp(
      app(),
      path.join(ROOT, 'node_modules', 'cdktf-cli', 'bundle', 'templates', 'typescript'),
      'cdktf.json',
      {
        'eval-sandbox': `file:${tarball}`,
        cdktf: lockedVersion('cdktf'),
        '@cdktf/provider-aws': lockedVersion('@cdktf/provider-aws'),
        constructs: lockedVersion('constructs'),
      },
      MAIN,
    );
    // The template's cdktf.json has placeholders its init fills in.
    const config = path.join(app(), 'cdktf.json');
    fs.writeFileSync(
      config,
      fs
        .readFileSync(config, 'utf8')
        .replace('{{projectId}}', 'packaging-test')
        .replace('{{sendCrashReports}}', 'false')
        .replace('{{futureFlags}}', ''),
    );
  });

  test('no cdk8s side installed, one copy of constructs', () => {
    for (const name of ['cdk8s', 'cdk8s-plus-28']) {
      expect({ name, installed: fs.existsSync(path.join(app(), 'node_modules', name)) }).toEqual({
        name,
        installed: false,
      });
    }
    expect(
      fs.existsSync(path.join(app(), 'node_modules', 'eval-sandbox', 'node_modules', 'constructs')),
    ).toBe(false);
  });

  test('eval-sandbox/aws and eval-sandbox/stacks resolve under the template tsconfig (CommonJS) and the stack synthesizes through the cdktf CLI', () => {
    ok(app(), path.join(app(), 'node_modules', '.bin', 'tsc'), []);
    const synth = ok(app(), path.join(BIN, 'cdktf'), ['synth', '--app', 'node main.js']);
    expect(synth.stdout).toContain('has a SandboxVpc');
    const json = path.join(app(), 'cdktf.out', 'stacks', 'eval-sandbox-dev', 'cdk.tf.json');
    expect(Object.keys(JSON.parse(fs.readFileSync(json, 'utf8')).resource)).toEqual(
      expect.arrayContaining(['aws_eks_cluster', 'aws_vpc']),
    );
  });

  test('the installed CLI runs without the cdk8s peers for what does not build sandboxes', () => {
    const cli = path.join(app(), 'node_modules', '.bin', 'eval-sandbox');
    expect(ok(app(), cli, ['--help']).stdout).toContain('policy');
    fs.writeFileSync(
      path.join(app(), 'pod.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: sbx-x}\nspec: {containers: [{name: c, image: busybox}]}\n',
    );
    const check = run(app(), cli, ['policy', 'check', 'pod.yaml']);
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/1 rejected/);
  });
});
