// `npm run generate` (second half): writes two files from schemas/evaluation.v1alpha1.json, the one
// source of truth of the format (the CLI validates with it, editors complete with it):
//
// - cli/evaluation-spec.generated.ts, the TypeScript type of a document that follows the schema;
// - cli/evaluation-validator.generated.ts, the validator `validate`, `render` and `run` use: ajv's
//   standalone code for the schema, compiled with the options of cli/evaluation-schema.ts, so no
//   process compiles the schema at run time.
//
// check-synth-drift fails when a committed file is stale.
import * as fs from 'node:fs';
import * as path from 'node:path';
import standaloneCode from 'ajv/dist/standalone';
import { compile } from 'json-schema-to-typescript';
import { format, resolveConfig } from 'prettier';
import { evaluationAjv } from '../cli/evaluation-schema';

const root = path.resolve(__dirname, '..');
const SCHEMA = path.join(root, 'schemas', 'evaluation.v1alpha1.json');
const OUT = path.join(root, 'cli', 'evaluation-spec.generated.ts');
const VALIDATOR_OUT = path.join(root, 'cli', 'evaluation-validator.generated.ts');

function readSchema(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(SCHEMA, 'utf8')) as Record<string, unknown>;
}

/** The generated module's text, formatted with the project's Prettier configuration. */
export async function renderSpecType(): Promise<string> {
  const schema = readSchema();
  const ts = await compile({ ...schema, title: 'EvaluationSpec' }, 'EvaluationSpec', {
    bannerComment:
      '// Generated from schemas/evaluation.v1alpha1.json by `npm run generate`: do not edit.',
    additionalProperties: false,
    strictIndexSignatures: false,
    format: false,
  });
  return format(ts, { ...(await resolveConfig(OUT)), filepath: OUT });
}

/**
 * The validator module's text: ajv's standalone code (an ES module, which tsc compiles to CommonJS
 * like our own code; it requires only `ajv/dist/runtime/*` helpers), unchecked by tsc and ESLint
 * (it is ajv's code, not ours), formatted with the project's Prettier configuration.
 */
export async function renderValidator(): Promise<string> {
  const ajv = evaluationAjv({ code: { source: true, esm: true } });
  const code = standaloneCode(ajv, ajv.compile(readSchema()));
  const text = [
    '/* eslint-disable */',
    '// @ts-nocheck',
    '// Generated from schemas/evaluation.v1alpha1.json by `npm run generate`: do not edit. ajv',
    '// standalone code, compiled with the options of cli/evaluation-schema.ts; the default export',
    '// validates one document and leaves ajv errors (verbose) in its `errors` property.',
    code,
    '',
  ].join('\n');
  return format(text, { ...(await resolveConfig(VALIDATOR_OUT)), filepath: VALIDATOR_OUT });
}

// `--stdout` prints the type and `--stdout-validator` the validator instead of writing them (the
// drift tests compare the output with the committed files).
if (require.main === module) {
  (async () => {
    if (process.argv.includes('--stdout')) {
      process.stdout.write(await renderSpecType());
      return;
    }
    if (process.argv.includes('--stdout-validator')) {
      process.stdout.write(await renderValidator());
      return;
    }
    for (const [out, text] of [
      [OUT, await renderSpecType()],
      [VALIDATOR_OUT, await renderValidator()],
    ] as const) {
      fs.writeFileSync(out, text);
      console.log(`wrote ${path.relative(root, out)} from ${path.relative(root, SCHEMA)}`);
    }
  })().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
