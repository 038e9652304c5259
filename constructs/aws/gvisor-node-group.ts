import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { DataAwsS3Objects } from '@cdktf/provider-aws/lib/data-aws-s3-objects';
import { Fn, dependable } from 'cdktf';
import { Construct } from 'constructs';
import {
  SANDBOX_NODE_LABEL,
  SANDBOX_NODE_LABEL_VALUE,
  SANDBOX_NODE_TAINT_KEY,
  SANDBOX_NODE_TAINT_VALUE,
} from '../shared/labels';
import { GvisorBootstrapOptions, userData } from './gvisor-bootstrap';
import { NodePoolProps, pool } from './node-pool';
import { ValidationError } from '../shared/errors';
import { IEncryptedBucket } from './references';

/** Properties for {@link GvisorNodeGroup}. */
export interface GvisorNodeGroupProps extends NodePoolProps, GvisorBootstrapOptions {
  /**
   * The mirror bucket and its key, an `ArtifactStore` or `{ bucketArn, keyArn }`: nodes may read
   * objects under `mirror`'s prefix from it and decrypt with its key, nothing else.
   */
  readonly mirrorStore: IEncryptedBucket;
  /**
   * Let Terraform create the pool while the mirror lacks `release`. Costs: the nodes boot, find no
   * runsc, mask their kubelet and never register; EKS marks the node group CREATE_FAILED after
   * about 20 minutes, and the apply fails there.
   *
   * @default false - the plan lists `<mirror>/<release>/x86_64/` and refuses (a precondition)
   * unless runsc and containerd-shim-runsc-v1 are there; the Terraform principal needs
   * s3:ListBucket on the mirror
   */
  readonly allowEmptyMirror?: boolean;
}

/** The files a gVisor node installs from `<mirror>/<release>/x86_64/`. */
export const RUNSC_MIRROR_FILES = ['runsc', 'containerd-shim-runsc-v1'];

/**
 * The sandbox pool: tainted so only gVisor pods land there, labelled for the `gvisor`
 * RuntimeClass, and bootstrapped with a pinned, verified runsc (see gvisor-bootstrap.ts). Changes
 * here never touch the system pool.
 */
export class GvisorNodeGroup extends Construct {
  public readonly nodeGroup: EksNodeGroup;
  public readonly launchTemplate: LaunchTemplate;
  public readonly securityGroup: SecurityGroup;
  /** The nodes' IAM role. */
  public readonly role: IamRole;
  public readonly userData: string;
  /** The plan-time listing of the release in the mirror (absent with `allowEmptyMirror`). */
  public readonly mirrorContents?: DataAwsS3Objects;

  constructor(scope: Construct, id: string, props: GvisorNodeGroupProps) {
    super(scope, id);
    const mirror = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/[^\s']*)?$/.exec(props.mirror);
    if (!mirror) {
      throw new ValidationError(
        this.node.path,
        `mirror '${props.mirror}' is not an S3 location; use s3://<bucket>/<prefix>, e.g. s3://my-runsc-mirror/gvisor`,
      );
    }
    const mirrorBucket = mirror[1];
    const mirrorPath = (mirror[2] ?? '').replace(/^\/+|\/+$/g, '');
    const under = mirrorPath ? `${mirrorPath}/` : '';
    this.userData = userData(props);
    const parts = pool(this, `${props.cluster.clusterName}-gvisor`, props, {
      userData: this.userData,
      labels: { [SANDBOX_NODE_LABEL]: SANDBOX_NODE_LABEL_VALUE },
      // EKS spells the shared NoSchedule effect NO_SCHEDULE.
      taints: [
        { key: SANDBOX_NODE_TAINT_KEY, value: SANDBOX_NODE_TAINT_VALUE, effect: 'NO_SCHEDULE' },
      ],
      // Not in the cluster security group: an escaped sandbox reaches the control plane and the
      // system nodes only on the API server's port and DNS; its peers only at egress gateways.
      isolated: true,
    });
    this.nodeGroup = parts.nodeGroup;
    this.launchTemplate = parts.launchTemplate;
    this.securityGroup = parts.securityGroup;
    this.role = parts.role;
    const mirrorRead = new IamRolePolicy(this, 'MirrorRead', {
      role: parts.role.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: `${props.mirrorStore.bucketArn}/${under}*`,
          },
          { Effect: 'Allow', Action: 'kms:Decrypt', Resource: props.mirrorStore.keyArn },
        ],
      }),
    }); // A node that boots before it may read the mirror masks its kubelet: the pool waits for it.
    this.nodeGroup.dependsOn = [...(this.nodeGroup.dependsOn ?? []), dependable(mirrorRead)];
    if (!props.allowEmptyMirror) {
      // Listed at plan time: while the mirror lacks the release, `terraform plan` fails here,
      // so nothing is applied, instead of a node group failing twenty minutes into the apply.
      const prefix = `${under}${props.release}/x86_64/`;
      const contents = new DataAwsS3Objects(this, 'MirrorContents', {
        bucket: mirrorBucket,
        prefix,
      });
      this.mirrorContents = contents;
      this.nodeGroup.lifecycle = {
        ...this.nodeGroup.lifecycle,
        precondition: RUNSC_MIRROR_FILES.map((file) => ({
          condition: Fn.contains(contents.keys, `${prefix}${file}`),
          errorMessage:
            `The runsc mirror has no s3://${mirrorBucket}/${prefix}${file}: fill it first with ` +
            `scripts/aws/fill-runsc-mirror.sh ${props.release} ${mirrorBucket} (docs/aws/deploy.md); ` +
            `nodes booting without it never register`,
        })),
      };
    }
  }
}
