/**
 * Test helpers for the cdk8s constructs: synthesize a chart and validate objects against the
 * Kubernetes API schema (kubernetes-models, generated from the upstream OpenAPI document).
 */
import { Chart, Testing } from 'cdk8s';
import { ValidationError } from '../../constructs/shared/errors';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = Record<string, any>;

/** A fresh chart in a fresh app, like a user's. */
export function newChart(): Chart {
  return Testing.chart();
}

/** The objects a chart synthesizes (validations run first). */
export function synth(chart: Chart): K8sObject[] {
  return Testing.synth(chart) as K8sObject[];
}

/** The single object of `kind` (and `name`, when given) in `objects`; fails when not exactly one. */
export function only(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter(
    (o) => o.kind === kind && (name === undefined || o.metadata?.name === name),
  );
  if (found.length !== 1) {
    throw new Error(
      `expected exactly one ${kind}${name ? ` '${name}'` : ''}, found ${found.length}`,
    );
  }
  return found[0];
}

/** The pod spec of a workload object. */
export function podSpec(job: K8sObject): K8sObject {
  return job.spec.template.spec;
}

type Model = new (data: unknown) => { validate(): void };

/**
 * The kubernetes-models class for an object's apiVersion and kind. An unknown kind throws, so a new
 * kind can never slip through unvalidated.
 */
function modelFor(obj: K8sObject): Model {
  const apiVersion: string = obj.apiVersion;
  const kind: string = obj.kind;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    throw new Error(`object without apiVersion/kind: ${JSON.stringify(obj).slice(0, 200)}`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, Model>;
  const model = mod[kind];
  if (!model) throw new Error(`kubernetes-models has no ${apiVersion} ${kind}`);
  return model;
}

/** Schema errors of one object, or `undefined` when it is valid. */
export function schemaErrors(obj: K8sObject): string | undefined {
  try {
    new (modelFor(obj))(obj).validate();
    return undefined;
  } catch (err) {
    return `${obj.kind}/${obj.metadata?.name}: ${(err as Error).message}`;
  }
}

/** Asserts every object is valid against the Kubernetes schema. */
export function expectSchemaValid(objects: K8sObject[]): void {
  expect(objects.length).toBeGreaterThan(0);
  const errors = objects.map(schemaErrors).filter((e) => e !== undefined);
  expect(errors).toEqual([]);
}

/**
 * Runs `build` once and asserts it threw a ValidationError whose message matches `message`.
 * Returns the error for further assertions.
 */
export function expectValidationError(
  build: () => unknown,
  message: RegExp | string,
): ValidationError {
  let thrown: unknown;
  try {
    build();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ValidationError);
  expect((thrown as ValidationError).message).toMatch(message);
  return thrown as ValidationError;
}
