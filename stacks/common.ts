import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Backend, TerraformStack } from 'cdktf';

/**
 * The AWS provider (tagging everything with `scope`) and the S3 state backend with Terraform's
 * native lock file, as every stack of the platform has them. The state bucket is bootstrapped once
 * per account (docs/aws/state-backend.md); synth does not need it to exist.
 */
export function providerAndBackend(
  stack: TerraformStack,
  region: string,
  scope: string,
  state: { bucket: string; key: string },
): void {
  new AwsProvider(stack, 'aws', {
    region,
    defaultTags: [
      { tags: { 'eval-sandbox:environment': scope, 'eval-sandbox:managed-by': 'cdktf' } },
    ],
  });
  const backend = new S3Backend(stack, {
    bucket: state.bucket,
    key: state.key,
    region,
    encrypt: true,
  });
  // Terraform's native S3 lock file (no DynamoDB table); cdktf 0.21 has no typed field for it yet.
  backend.addOverride('use_lockfile', true);
}
