// The AWS platform as a library (`eval-sandbox/stacks`): the stack, the schema of an environment and
// the app builder that applies the Terraform rule pack. cdktf only; nothing here loads cdk8s.
export { PlatformStack } from './platform-stack';
export type { Environment } from './config';
export {
  EnvironmentSchema,
  GVISOR_INSTANCE_FAMILIES,
  SYSTEM_INSTANCE_FAMILIES,
  parseEnvironment,
} from './config';
export { buildApp, formatTerraformReport, synthesize } from './app';
