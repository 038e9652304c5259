/**
 * How schemas/evaluation.v1alpha1.json becomes a validator: ajv, draft 2020-12, strict, every
 * error (`allErrors`) with its schema (`verbose`, for the `x-allowed` hints), `x-allowed` as our
 * annotation. `npm run generate` compiles the shipped schema with these options into
 * cli/evaluation-validator.generated.ts (ajv standalone code), so the CLI does not compile the
 * schema (~90 ms) in every process; {@link compileEvaluationSchema} compiles another schema at run
 * time with the same options.
 */
import type { ErrorObject, Options } from 'ajv/dist/2020';

/** A compiled validator for the schema; `errors` of ajv carry `parentSchema` (verbose). */
export type SpecValidator = ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** The ajv options of the evaluation validator, generated or compiled. */
export const EVALUATION_AJV_OPTIONS: Readonly<Options> = {
  allErrors: true,
  strict: true,
  allowUnionTypes: true,
  verbose: true,
};

/** Our annotation keywords (ajv's strict mode refuses unknown keywords). */
export const EVALUATION_SCHEMA_VOCABULARY: readonly string[] = ['x-allowed'];

type AjvModule = typeof import('ajv/dist/2020');

/** A new ajv instance with the validator's options (plus `extra`, e.g. standalone code output). */
export function evaluationAjv(extra: Options = {}): InstanceType<AjvModule['default']> {
  // Loaded here, not at the top: the generated validator needs only ajv's small runtime helpers.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { default: Ajv2020 } = require('ajv/dist/2020') as AjvModule;
  const ajv = new Ajv2020({ ...EVALUATION_AJV_OPTIONS, ...extra });
  ajv.addVocabulary([...EVALUATION_SCHEMA_VOCABULARY]);
  return ajv;
}

/** Compiles `schema` at run time, with the options of the generated validator. */
export function compileEvaluationSchema(schema: object): SpecValidator {
  return evaluationAjv().compile(schema);
}
