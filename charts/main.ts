// Entry point of the cdk8s app: `npm run synth` (or `cdk8s synth`, see cdk8s.yaml).
import { synthesize } from './app';

const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
try {
  const files = synthesize(outdir);
  console.log(`wrote ${files.length} manifest files to ${outdir}/: ${files.join(', ')}`);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
