import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, YamlOutputType } from 'cdk8s';
import { checkFiles, collectSpecFiles, formatProblem } from '../cli/evaluations';
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
    build(staging).synth();
    if (evaluationsDir !== undefined) {
      writeFiles(path.join(staging, EVALUATIONS_OUT), renderEvaluations(evaluationsDir));
    }
  });
  return fs.readdirSync(outdir).sort();
}
