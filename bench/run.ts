/**
 * `npm run bench`: prints how long the things users wait for take on this machine. Numbers, not
 * assertions (tests check behaviour; timings vary by machine). Each figure is the median of runs.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { synthesize as synthK8s } from '../charts/app';
import { PolicyEvaluator } from '../policies/k8s/evaluate';
import { CATALOGUE, annotated } from '../policies/k8s/fixtures/catalogue';
import { synthesize as synthAws } from '../stacks/app';

const ROOT = path.resolve(__dirname, '..');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'eval-sandbox-bench-'));

function median(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/** Time for a fresh Node process to load `entry` (what every CLI call and synth pays first). */
function coldImport(entry: string): number {
  return median(5, () => {
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(entry)})`], {
      cwd: ROOT,
    });
    if (r.status !== 0)
      throw new Error(`cannot load ${entry}: run npm run build first\n${r.stderr}`);
  });
}

const rows: [string, string][] = [];
rows.push([
  'cdk8s synth of charts/ (dist/), in process',
  `${median(5, () => synthK8s(tmp())).toFixed(0)} ms`,
]);
rows.push([
  'cdktf synth of the dev stack + rule pack, in process',
  `${median(5, () => synthAws(path.join(tmp(), 'out'))).toFixed(0)} ms`,
]);
const evaluator = PolicyEvaluator.forPack();
const objects = CATALOGUE.map(annotated);
const rounds = 20;
const ms = median(3, () => {
  for (let i = 0; i < rounds; i++) for (const o of objects) evaluator.evaluate(o);
});
rows.push([
  'admission policy evaluation (offline, all rules)',
  `${Math.round((rounds * objects.length) / (ms / 1000))} objects/s`,
]);
rows.push([
  'cold load of lib/ Kubernetes entry (eval-sandbox)',
  `${coldImport('./lib/constructs/index.js').toFixed(0)} ms`,
]);
rows.push([
  'cold load of lib/ AWS entry (eval-sandbox/aws)',
  `${coldImport('./lib/constructs/aws/index.js').toFixed(0)} ms`,
]);
rows.push([
  '`eval-sandbox --version`, end to end',
  `${median(5, () => spawnSync(process.execPath, ['bin/eval-sandbox.js', '--version'], { cwd: ROOT })).toFixed(0)} ms`,
]);

const width = Math.max(...rows.map(([k]) => k.length));
for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
