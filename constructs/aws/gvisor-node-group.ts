import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { dependable } from 'cdktf';
import { Construct } from 'constructs';
import {
  SANDBOX_NODE_LABEL,
  SANDBOX_NODE_LABEL_VALUE,
  SANDBOX_NODE_TAINT_KEY,
  SANDBOX_NODE_TAINT_VALUE,
} from '../shared/labels';
import { GvisorBootstrapOptions, userData } from './gvisor-bootstrap';
import { NodePoolProps, pool } from './node-pool';
import { IEncryptedBucket } from './references';

/** Properties for {@link GvisorNodeGroup}. */
export interface GvisorNodeGroupProps extends NodePoolProps, GvisorBootstrapOptions {
  /**
   * The mirror bucket and its key, an `ArtifactStore` or `{ bucketArn, keyArn }`: nodes may read
   * `gvisor/*` from it and decrypt with its key, nothing else.
   */
  readonly mirrorStore: IEncryptedBucket;
}

/**
 * The sandbox pool: tainted so only gVisor pods land there, labelled for the `gvisor`
 * RuntimeClass, and bootstrapped with a pinned, verified runsc (see gvisor-bootstrap.ts). Changes
 * here never touch the system pool.
 */
export class GvisorNodeGroup extends Construct {
  public readonly nodeGroup: EksNodeGroup;
  public readonly launchTemplate: LaunchTemplate;
  public readonly securityGroup: SecurityGroup;
  public readonly userData: string;

  constructor(scope: Construct, id: string, props: GvisorNodeGroupProps) {
    super(scope, id);
    this.userData = userData(props);
    const parts = pool(this, `${props.cluster.clusterName}-gvisor`, props, {
      userData: this.userData,
      labels: { [SANDBOX_NODE_LABEL]: SANDBOX_NODE_LABEL_VALUE },
      // EKS spells the shared NoSchedule effect NO_SCHEDULE.
      taints: [
        { key: SANDBOX_NODE_TAINT_KEY, value: SANDBOX_NODE_TAINT_VALUE, effect: 'NO_SCHEDULE' },
      ],
    });
    this.nodeGroup = parts.nodeGroup;
    this.launchTemplate = parts.launchTemplate;
    this.securityGroup = parts.securityGroup;
    const mirrorRead = new IamRolePolicy(this, 'MirrorRead', {
      role: parts.role.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: `${props.mirrorStore.bucketArn}/gvisor/*`,
          },
          { Effect: 'Allow', Action: 'kms:Decrypt', Resource: props.mirrorStore.keyArn },
        ],
      }),
    }); // A node that boots before it may read the mirror masks its kubelet: the pool waits for it.
    this.nodeGroup.dependsOn = [...(this.nodeGroup.dependsOn ?? []), dependable(mirrorRead)];
  }
}
