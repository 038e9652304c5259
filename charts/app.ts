import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Chart, Names, YamlOutputType } from 'cdk8s';
import { checkFiles, collectSpecFiles, formatProblem } from '../cli/evaluations';
import { manifestYaml } from '../cli/manifest-yaml';
import { renderFiles, replaceDir, writeFiles } from '../cli/validate';
import { ExampleSandboxChart } from './example-sandbox-chart';
import { PlatformChart } from './platform-chart';

/** Builds the cdk8s app (every chart) without writing anything. */
export function buildApp(outdir: string): App {
  const app = new App({
    outdir,
    yamlOutputType: YamlOutputType.FILE_PER_CHART,
    outputFileExtension: '.k8s.yaml',
  });
  new PlatformChart(app, 'platform');
  new ExampleSandboxChart(app, 'example-sandboxes');
  return app;
}

/**
 * The specs the app renders (the repository's `evaluations/`), from `charts/` when run with tsx and
 * from `lib/charts/` when compiled.
 */
export const EVALUATIONS_DIR = path.resolve(
  __dirname,
  fs.existsSync(path.join(__dirname, '..', 'package.json')) ? '..' : path.join('..', '..'),
  'evaluations',
);

/** The folder inside the output that holds the rendered evaluations. */
export const EVALUATIONS_OUT = 'evaluations';

/**
 * The files `eval-sandbox render <dir>` writes, by the same code; throws with every problem
 * (`file:line:col: field: message`) when a spec is invalid.
 */
export function renderEvaluations(dir: string): Map<string, string> {
  const relative = path.relative(process.cwd(), dir);
  const shown = relative.startsWith('..') || path.isAbsolute(relative) ? dir : relative || '.';
  const result = checkFiles(collectSpecFiles([shown]));
  if (result.problems.length > 0) {
    throw new Error(
      [
        ...result.problems.map(formatProblem),
        `${result.problems.length} problem(s) in ${shown}`,
      ].join('\n'),
    );
  }
  return renderFiles(result.evaluations);
}

/**
 * `app.synth()`, with the YAML written by {@link manifestYaml} (the same bytes, without the `yaml`
 * document model). Mirrors cdk8s's `App.synth` for its default layout (one file per chart, no
 * construct metadata); any other layout is left to `app.synth()`.
 */
export function synthApp(app: App): void {
  const recordsMetadata = (app as unknown as { recordConstructMetadata?: boolean })
    .recordConstructMetadata;
  const unresolved = app.charts;
  if (
    app.yamlOutputType !== YamlOutputType.FILE_PER_CHART ||
    recordsMetadata !== false ||
    unresolved.length === 0
  ) {
    app.synth();
    return;
  }
  fs.mkdirSync(app.outdir, { recursive: true });
  // A chart's toJson first resolves the app's dependencies (adding chart-to-chart ones) and
  // validates the app, as app.synth() does before it lists the charts; the first chart's objects
  // are kept, they are what a second call would return.
  const first = unresolved[0];
  const firstObjects = first.toJson();
  const charts = app.charts;
  // app.synth() numbers the files (0000-…) when a chart depends on another or holds one.
  const dependent = charts.some(
    (c) =>
      c.node.dependencies.some((d) => d !== c && Chart.isChart(d)) ||
      c.node.children.some((d) => Chart.isChart(d)),
  );
  charts.forEach((chart, index) => {
    const label = Names.toDnsLabel(chart);
    const name = dependent ? `${index.toString().padStart(4, '0')}-${label}` : label;
    const objects: unknown[] = chart === first ? firstObjects : chart.toJson();
    fs.writeFileSync(
      path.join(app.outdir, name + app.outputFileExtension),
      manifestYaml(Object.values(objects)),
      { encoding: 'utf8' },
    );
  });
}

/**
 * Synthesizes every chart into `outdir`, plus the evaluation specs of `evaluationsDir` rendered
 * into `outdir/evaluations/` exactly as `eval-sandbox render` renders them; all or nothing: the
 * output is written to a sibling temporary folder and moved into place only when everything
 * (including validations) succeeded, so a failure leaves `outdir` as it was.
 *
 * @param build builds the app to synthesize (tests pass their own)
 * @param evaluationsDir the specs to render; `undefined` renders none
 * @returns the entries written at the top of `outdir`, sorted
 */
export function synthesize(
  outdir: string,
  build: (outdir: string) => App = buildApp,
  evaluationsDir: string | undefined = EVALUATIONS_DIR,
): string[] {
  replaceDir(outdir, (staging) => {
    synthApp(build(staging));
    if (evaluationsDir !== undefined) {
      writeFiles(path.join(staging, EVALUATIONS_OUT), renderEvaluations(evaluationsDir));
    }
  });
  return fs.readdirSync(outdir).sort();
}
