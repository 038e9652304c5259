import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Construct } from 'constructs';

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
  // The partition (aws, aws-cn, aws-us-gov) comes from the provider, so GovCloud and China work.
  const partition = new DataAwsPartition(scope, `${id}Partition`);
  managedPolicies.forEach((policy, i) => {
    new IamRolePolicyAttachment(scope, `${id}Policy${i}`, {
      role: role.name,
      policyArn: `arn:${partition.partition}:iam::aws:policy/${policy}`,
    });
  });
  return role;
}
