import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';

/**
 * The AWS partition of the stack `scope` is in (`aws`, `aws-cn`, `aws-us-gov`), from the region of
 * its AWS provider; `aws` when no literal region is set. A literal rather than the
 * `aws_partition` data source, so scanners can read the managed-policy ARNs built from it.
 */
export function partitionOf(scope: IConstruct): string {
  const region = TerraformStack.of(scope)
    .node.findAll()
    .filter((c): c is AwsProvider => c instanceof AwsProvider)
    .map((p) => p.region)
    .find((r): r is string => typeof r === 'string' && !Token.isUnresolved(r));
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** A role assumable by one AWS service, with AWS managed policies attached by name. */
export function serviceRole(
  scope: Construct,
  id: string,
  name: string,
  service: string,
  managedPolicies: string[],
  extraActions: string[] = ['sts:AssumeRole'],
): IamRole {
  const role = new IamRole(scope, id, {
    name,
    assumeRolePolicy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: extraActions }],
    }),
  });
  const partition = partitionOf(scope);
  managedPolicies.forEach((policy, i) => {
    new IamRolePolicyAttachment(scope, `${id}Policy${i}`, {
      role: role.name,
      policyArn: `arn:${partition}:iam::aws:policy/${policy}`,
    });
  });
  return role;
}
