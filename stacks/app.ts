import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdktf';
import { TerraformRulePackAspect } from '../constructs/aws/rule-pack-aspect';
import { formatTerraformReport, TfReport } from '../policies/tf/pack';
import { parseEnvironment } from './config';
import { DEFAULT_ENVIRONMENT, ENVIRONMENTS } from './environments';
import { PlatformStack } from './platform-stack';

/** Builds the cdktf app for one environment (validated first), with the Terraform rule pack applied. */
export function buildApp(
  outdir: string,
  envName: string,
  environments: Record<string, unknown> = ENVIRONMENTS,
  reports: TfReport[] = [],
): App {
  if (!(envName in environments)) {
    throw new Error(
      `unknown environment '${envName}'; known: ${Object.keys(environments).join(', ')} (stacks/environments.ts)`,
    );
  }
  const env = parseEnvironment(envName, environments[envName]);
  const app = new App({ outdir });
  new PlatformStack(app, `eval-sandbox-${env.name}`, env);
  TerraformRulePackAspect.applyTo(app, { onReport: (_stack, report) => reports.push(report) });
  return app;
}

/**
 * Synthesizes the environment into `outdir` (`cdktf.out`), all or nothing: a failure (invalid
 * configuration, a rule-pack error) leaves `outdir` as it was.
 *
 * @returns the rule-pack reports (one per stack)
 */
export function synthesize(
  outdir: string,
  envName: string = DEFAULT_ENVIRONMENT,
  environments: Record<string, unknown> = ENVIRONMENTS,
): TfReport[] {
  const target = path.resolve(outdir);
  const staging = `${target}.tmp-${process.pid}`;
  const reports: TfReport[] = [];
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    buildApp(staging, envName, environments, reports).synth();
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return reports;
}

export { formatTerraformReport };
