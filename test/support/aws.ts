/** Test helpers for the cdktf side. */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Testing, TerraformStack } from 'cdktf';
import { TerraformRulePackAspect } from '../../constructs/aws/rule-pack-aspect';
import { AccountStack } from '../../stacks/account-stack';
import { parseAccount, parseEnvironment, Environment } from '../../stacks/config';
import { ACCOUNT, ENVIRONMENTS } from '../../stacks/environments';
import { PlatformStack } from '../../stacks/platform-stack';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** The dev environment with `overrides` applied (shallow per top-level key). */
export function devEnvironment(overrides: Record<string, unknown> = {}): Environment {
  return parseEnvironment('dev', { ...(ENVIRONMENTS.dev as object), ...overrides });
}

/** The prod environment with `overrides`, and stand-in runsc sums (prod refuses to synthesize without them). */
export function prodEnvironment(overrides: Record<string, unknown> = {}): Environment {
  const prod = ENVIRONMENTS.prod as { runsc: object };
  return parseEnvironment('prod', {
    ...prod,
    runsc: { ...prod.runsc, runscSha512: 'a'.repeat(128), shimSha512: 'b'.repeat(128) },
    clusterAdmins: ['arn:aws:iam::123456789012:role/platform-admin'],
    ...overrides,
  });
}

/** Synthesizes the AccountStack for `account` (default: the shipped one), rule pack applied. */
export function synthAccount(account: Record<string, unknown> = {}): Json {
  const stack = new AccountStack(
    Testing.app(),
    'account',
    parseAccount({ ...(ACCOUNT as object), ...account }),
  );
  TerraformRulePackAspect.applyTo(stack);
  return JSON.parse(Testing.synth(stack, true));
}

/**
 * Synthesizes a PlatformStack for `env` the way `npm run synth` does (validations on and the
 * Terraform rule pack applied, so an error finding fails it) and returns the JSON string and object.
 */
export function synthPlatform(env: Environment = devEnvironment()): {
  text: string;
  json: Json;
  stack: PlatformStack;
} {
  const stack = new PlatformStack(Testing.app(), 'test', env);
  TerraformRulePackAspect.applyTo(stack);
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

/** Synthesizes a fresh stack (AWS provider in eu-west-2) after `build` adds constructs to it. */
export function synthConstruct(build: (stack: TerraformStack) => void): Json {
  return synthConstructIn('eu-west-2', build);
}

/** {@link synthConstruct} with the provider in `region`. */
export function synthConstructIn(region: string, build: (stack: TerraformStack) => void): Json {
  const stack = new TerraformStack(Testing.app(), 'test');
  new AwsProvider(stack, 'aws', { region });
  build(stack);
  return JSON.parse(Testing.synth(stack, true));
}

/** A policy document of a synthesized resource (they are JSON strings). */
export function policy(text: string): { Statement: Json[] } {
  return JSON.parse(text);
}

/** Every IAM policy document in a synthesized stack: inline policies, trust and key policies. */
export function allPolicies(json: Json): { Statement: Json[] }[] {
  const fields: [string, string][] = [
    ['aws_iam_role_policy', 'policy'],
    ['aws_iam_role', 'assume_role_policy'],
    ['aws_kms_key', 'policy'],
    ['aws_s3_bucket_policy', 'policy'],
    ['aws_vpc_endpoint', 'policy'],
  ];
  return fields.flatMap(([type, field]) =>
    Object.values(resources(json, type)).map((r) => policy(r[field])),
  );
}
