import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, YamlOutputType } from 'cdk8s';
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
 * Synthesizes every chart into `outdir`, all or nothing: the manifests are written to a sibling
 * temporary folder and moved into place only when the whole synthesis (including validations)
 * succeeded, so a failure leaves `outdir` as it was.
 *
 * @param build builds the app to synthesize (tests pass their own)
 * @returns the files written, relative to `outdir`, sorted
 */
export function synthesize(outdir: string, build: (outdir: string) => App = buildApp): string[] {
  const target = path.resolve(outdir);
  const staging = `${target}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    build(staging).synth();
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return fs.readdirSync(target).sort();
}
