import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Construct } from 'constructs';
import { NodePoolProps, pool } from './node-pool';

/** The small untainted pool for cluster add-ons (CoreDNS, controllers), so sandbox nodes never run them. */
export class SystemNodeGroup extends Construct {
  public readonly nodeGroup: EksNodeGroup;
  public readonly launchTemplate: LaunchTemplate;
  public readonly securityGroup: SecurityGroup;
  /** The nodes' IAM role. */
  public readonly role: IamRole;

  constructor(scope: Construct, id: string, props: NodePoolProps) {
    super(scope, id);
    const parts = pool(this, `${props.cluster.clusterName}-system`, props, {
      labels: { 'eval-sandbox.io/pool': 'system' },
    });
    this.nodeGroup = parts.nodeGroup;
    this.launchTemplate = parts.launchTemplate;
    this.securityGroup = parts.securityGroup;
    this.role = parts.role;
  }
}
