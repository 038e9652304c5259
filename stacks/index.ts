// The AWS platform as a library (`eval-sandbox/stacks`): the stack, the schema of an environment and
// the app builder that applies the Terraform rule pack. cdktf only; nothing here loads cdk8s.
export { PlatformStack } from './platform-stack';
export { AccountStack, RUNSC_MIRROR_KEY_ALIAS } from './account-stack';
export type { Account, Environment } from './config';
export {
  AccountSchema,
  EnvironmentSchema,
  accountMismatches,
  parseAccount,
  GVISOR_INSTANCE_FAMILIES,
  SYSTEM_INSTANCE_FAMILIES,
  parseEnvironment,
} from './config';
export { ACCOUNT_STACK, buildApp, formatTerraformReport, synthesize } from './app';
export { providerAndBackend } from './common';
