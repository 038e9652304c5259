import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdktf';
import { TerraformRulePackAspect } from '../constructs/aws/rule-pack-aspect';
import { formatTerraformReport, TfReport } from '../policies/tf/pack';
import { AccountStack } from './account-stack';
import { accountMismatches, parseAccount, parseEnvironment } from './config';
import { ACCOUNT, DEFAULT_ENVIRONMENT, ENVIRONMENTS } from './environments';
import { PlatformStack } from './platform-stack';

/** The account stack's id (and folder under `cdktf.out/stacks/`). */
export const ACCOUNT_STACK = 'eval-sandbox-account';

/**
 * Builds the cdktf app: the account stack and one environment's platform stack (both validated
 * first), with the Terraform rule pack applied.
 */
export function buildApp(
  outdir: string,
  envName: string,
  environments: Record<string, unknown> = ENVIRONMENTS,
  reports: TfReport[] = [],
  accountConfig: unknown = ACCOUNT,
): App {
  if (!(envName in environments)) {
    throw new Error(
      `unknown environment '${envName}'; known: ${Object.keys(environments).join(', ')} (stacks/environments.ts)`,
    );
  }
  const account = parseAccount(accountConfig);
  const env = parseEnvironment(envName, environments[envName]);
  const mismatches = accountMismatches(account, env);
  if (mismatches.length > 0) {
    throw new Error(
      `environment '${envName}' does not fit the account (stacks/environments.ts):\n${mismatches.join('\n')}`,
    );
  }
  const app = new App({ outdir });
  new AccountStack(app, ACCOUNT_STACK, account);
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
  accountConfig: unknown = ACCOUNT,
): TfReport[] {
  const target = path.resolve(outdir);
  const staging = `${target}.tmp-${process.pid}`;
  const reports: TfReport[] = [];
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    buildApp(staging, envName, environments, reports, accountConfig).synth();
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return reports;
}

export { formatTerraformReport };
