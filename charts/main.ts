// Entry point of the cdk8s app: `npm run synth` writes dist/; `npx cdk8s synth` runs the same
// entry point into cdk8s.out/ (see cdk8s.yaml: the cdk8s CLI empties its output folder before the
// app runs, so it must never point at the committed dist/).
//
//   CDK8S_OUTDIR               the output folder (default dist; the cdk8s CLI sets it)
//   EVAL_SANDBOX_EVALUATIONS   the spec folder rendered into <outdir>/evaluations (default evaluations/)
import * as path from 'node:path';
import { EVALUATIONS_DIR, buildApp, synthesize } from './app';

const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
const specs = process.env.EVAL_SANDBOX_EVALUATIONS;
try {
  const entries = synthesize(
    outdir,
    buildApp,
    specs === undefined || specs === '' ? EVALUATIONS_DIR : path.resolve(specs),
  );
  console.log(`wrote ${outdir}/: ${entries.join(', ')}`);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  console.error(`synthesis failed; ${outdir}/ was left as it was`);
  process.exitCode = 1;
}
