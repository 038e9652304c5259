/** Test helpers for the cdktf side. */
import { Testing } from 'cdktf';
import { parseEnvironment, Environment } from '../../stacks/config';
import { ENVIRONMENTS } from '../../stacks/environments';
import { PlatformStack } from '../../stacks/platform-stack';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** The dev environment with `overrides` applied (shallow per top-level key). */
export function devEnvironment(overrides: Record<string, unknown> = {}): Environment {
  return parseEnvironment('dev', { ...(ENVIRONMENTS.dev as object), ...overrides });
}

/** Synthesizes a PlatformStack for `env` (validations on) and returns the JSON string and object. */
export function synthPlatform(env: Environment = devEnvironment()): {
  text: string;
  json: Json;
  stack: PlatformStack;
} {
  const stack = new PlatformStack(Testing.app(), 'test', env);
  const text = Testing.synth(stack, true);
  return { text, json: JSON.parse(text), stack };
}

/** All resources of one type, as `{logicalId: config}`. */
export function resources(json: Json, type: string): Record<string, Json> {
  return json.resource?.[type] ?? {};
}

/** The only resource of `type` whose logical id contains `idPart` (or the only one at all). */
export function one(json: Json, type: string, idPart = ''): Json {
  const found = Object.entries(resources(json, type)).filter(([id]) => id.includes(idPart));
  if (found.length !== 1)
    throw new Error(
      `expected one ${type} matching '${idPart}', found ${found.map(([id]) => id).join(', ') || 'none'}`,
    );
  return found[0][1];
}
