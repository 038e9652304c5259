/**
 * The boundaries the design depends on, read from the source: the Kubernetes library never loads
 * cdktf and the AWS side never loads cdk8s (each entry point's whole import closure is checked),
 * cdktf stays in constructs/aws/ and stacks/ (so the CDK Terrain rename is one folder's work, see
 * docs/adr/0002-cdktf-and-cdk-terrain.md), and provider classes are deep-imported, never the
 * barrel.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../support/tools';

const SOURCE_DIRS = ['constructs', 'charts', 'stacks', 'policies', 'cli'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Module specifiers of a file's import/export-from/require statements. */
function specifiers(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const found = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms),
    ...text.matchAll(/^\s*import\s+'([^']+)'/gm),
    ...text.matchAll(/\brequire\('([^']+)'\)/g),
  ];
  return found.map((m) => m[1]);
}

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.join(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(path.join(ROOT, f)));
}

/** Every package an entry point loads, directly or through our own modules. */
function packageClosure(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of specifiers(file)) {
      const local = resolveLocal(file, spec);
      if (local) visit(local);
      else if (!spec.startsWith('.') && !packages.has(spec)) packages.set(spec, file);
    }
  };
  visit(entry);
  return packages;
}

const isCdktf = (spec: string) => spec === 'cdktf' || spec.startsWith('@cdktf/');
const isCdk8s = (spec: string) => spec === 'cdk8s' || spec.startsWith('cdk8s-plus');
const files = SOURCE_DIRS.flatMap(sourceFiles);

describe('import boundaries', () => {
  test('GIVEN the source tree THEN the scan sees every layer (so the checks below cannot pass empty)', () => {
    for (const dir of ['constructs/k8s', 'constructs/aws', 'stacks', 'charts', 'policies/k8s'])
      expect(files.filter((f) => f.startsWith(dir)).length).toBeGreaterThan(0);
    expect(specifiers('constructs/aws/node-pool.ts')).toContain(
      '@cdktf/provider-aws/lib/eks-node-group',
    );
  });

  test('GIVEN the Kubernetes entry point THEN nothing it loads is cdktf', () => {
    const closure = packageClosure('constructs/index.ts');
    expect(closure.has('cdk8s')).toBe(true);
    expect([...closure].filter(([spec]) => isCdktf(spec))).toEqual([]);
  });

  test('GIVEN the CLI THEN starting it loads neither framework (commands load theirs when they run)', () => {
    const closure = packageClosure('cli/main.ts');
    expect(closure.has('commander')).toBe(true);
    expect([...closure].filter(([spec]) => isCdk8s(spec) || isCdktf(spec))).toEqual([]);
    // Through the lazy loader, policy check too stays free of them.
    expect(
      [...packageClosure('cli/policy-check.ts')].filter(([spec]) => isCdk8s(spec) || isCdktf(spec)),
    ).toEqual([]);
  });

  test.each(['constructs/aws/index.ts', 'stacks/index.ts', 'stacks/main.ts'])(
    'GIVEN %s THEN nothing it loads is cdk8s',
    (entry) => {
      const closure = packageClosure(entry);
      expect(closure.has('cdktf')).toBe(true);
      expect([...closure].filter(([spec]) => isCdk8s(spec))).toEqual([]);
    },
  );

  // The layers, bottom up, and what each may import of ours. constructs/shared is the
  // framework-free core; the policy packs sit on it; the constructs on both; apps and the CLI on top.
  const LAYERS: [string, string[]][] = [
    ['constructs/shared/', ['constructs/shared/']],
    ['policies/k8s/', ['constructs/shared/', 'policies/k8s/']],
    ['policies/tf/', ['constructs/shared/', 'policies/tf/']],
    ['policies/', ['constructs/shared/', 'policies/']],
    ['constructs/k8s/', ['constructs/shared/', 'policies/k8s/', 'constructs/k8s/']],
    ['constructs/aws/', ['constructs/shared/', 'policies/tf/', 'constructs/aws/']],
    ['stacks/', ['constructs/shared/', 'policies/tf/', 'constructs/aws/', 'stacks/']],
  ];
  const layerOf = (file: string) => LAYERS.find(([prefix]) => file.startsWith(prefix));

  test('GIVEN the layers THEN every import points down or sideways, never up', () => {
    const upward = files.flatMap((file) => {
      const layer = layerOf(file);
      if (!layer) return []; // charts/ and cli/ are on top and may use everything below
      return specifiers(file)
        .map((spec) => resolveLocal(file, spec))
        .filter((target): target is string => target !== undefined)
        .filter((target) => !layer[1].some((allowed) => target.startsWith(allowed)))
        .map((target) => `${file} → ${target}`);
    });
    expect(upward).toEqual([]);
    // The check sees real imports across layers (so it cannot pass empty).
    expect(specifiers('constructs/k8s/evaluation-job.ts')).toContain(
      '../../policies/k8s/parameters',
    );
  });

  test('GIVEN the core and the policy packs THEN they load no construct framework', () => {
    const framework = files
      .filter((f) => f.startsWith('constructs/shared/') || f.startsWith('policies/'))
      .flatMap((f) =>
        specifiers(f)
          .filter((s) => isCdk8s(s) || isCdktf(s) || s === 'constructs')
          .map((s) => `${f}: ${s}`),
      );
    expect(framework).toEqual([]);
  });

  test('GIVEN any source file THEN cdktf is imported only under constructs/aws/ and stacks/', () => {
    const outside = files.filter(
      (f) =>
        !f.startsWith('constructs/aws/') && !f.startsWith('stacks/') && specifiers(f).some(isCdktf),
    );
    expect(outside).toEqual([]);
  });

  test('GIVEN any source file THEN provider classes are deep-imported, never the package barrel', () => {
    const barrel = files.flatMap((f) =>
      specifiers(f)
        .filter(
          (s) =>
            s.startsWith('@cdktf/provider-aws') &&
            !/^@cdktf\/provider-aws\/lib\/[a-z0-9-]+$/.test(s),
        )
        .map((s) => `${f}: ${s}`),
    );
    expect(barrel).toEqual([]);
  });
});
