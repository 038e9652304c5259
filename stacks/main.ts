// Entry point of the cdktf app: `npm run synth` (or `cdktf synth`, see cdktf.json).
import { ACCOUNT_STACK, formatTerraformReport, synthesize } from './app';
import { DEFAULT_ENVIRONMENT } from './environments';

const envName = process.env.EVAL_SANDBOX_ENV ?? DEFAULT_ENVIRONMENT;
const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
try {
  const reports = synthesize(outdir, envName);
  for (const r of reports) console.log(formatTerraformReport(r));
  for (const stack of [ACCOUNT_STACK, `eval-sandbox-${envName}`])
    console.log(`wrote ${outdir}/stacks/${stack}/cdk.tf.json`);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
