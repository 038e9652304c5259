// `npm run generate` (second half): writes cli/evaluation-spec.generated.ts, the TypeScript type of a
// document that follows schemas/evaluation.v1alpha1.json. The schema is the one source of truth of
// the format: the CLI validates with it, editors complete with it, and the code's type is derived
// from it here (check-synth-drift fails when the committed type is stale).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compile } from 'json-schema-to-typescript';
import { format, resolveConfig } from 'prettier';

const root = path.resolve(__dirname, '..');
const SCHEMA = path.join(root, 'schemas', 'evaluation.v1alpha1.json');
const OUT = path.join(root, 'cli', 'evaluation-spec.generated.ts');

/** The generated module's text, formatted with the project's Prettier configuration. */
export async function renderSpecType(): Promise<string> {
  const schema = JSON.parse(fs.readFileSync(SCHEMA, 'utf8')) as Record<string, unknown>;
  const ts = await compile({ ...schema, title: 'EvaluationSpec' }, 'EvaluationSpec', {
    bannerComment:
      '// Generated from schemas/evaluation.v1alpha1.json by `npm run generate`: do not edit.',
    additionalProperties: false,
    strictIndexSignatures: false,
    format: false,
  });
  return format(ts, { ...(await resolveConfig(OUT)), filepath: OUT });
}

// `--stdout` prints instead of writing (the drift test compares the output with the committed file).
if (require.main === module) {
  renderSpecType()
    .then((text) => {
      if (process.argv.includes('--stdout')) {
        process.stdout.write(text);
        return;
      }
      fs.writeFileSync(OUT, text);
      console.log(`wrote ${path.relative(root, OUT)} from ${path.relative(root, SCHEMA)}`);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    });
}
