import { IamServiceLinkedRole } from '@cdktf/provider-aws/lib/iam-service-linked-role';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { ArtifactStore } from '../constructs/aws/artifact-store';
import { ThreatDetection } from '../constructs/aws/threat-detection';
import { providerAndBackend } from './common';
import { Account } from './config';

/** The alias of the runsc mirror's key: one mirror per account and region, found by this name. */
export const RUNSC_MIRROR_KEY_ALIAS = 'eval-sandbox-runsc-mirror';

/**
 * What exists once per AWS account and region, applied before any environment (a PlatformStack):
 *
 * - the private runsc mirror gVisor nodes install from (filled by scripts/aws/fill-runsc-mirror.sh
 *   between this apply and the first environment's; an environment's gVisor pool refuses to plan
 *   while the mirror lacks its release);
 * - AWSServiceRoleForAutoScaling, which the node volume keys' policies name: KMS refuses a key
 *   policy naming a role that does not exist, and an account that never had an Auto Scaling group
 *   does not have it;
 * - GuardDuty's detector (one per account and region: two environments cannot each own one).
 */
export class AccountStack extends TerraformStack {
  public readonly runscMirror: ArtifactStore;
  public readonly autoScalingRole?: IamServiceLinkedRole;
  public readonly threatDetection?: ThreatDetection;

  constructor(scope: Construct, id: string, account: Account) {
    super(scope, id);
    providerAndBackend(this, account.region, account.name, account.state);
    this.runscMirror = new ArtifactStore(this, 'RunscMirror', {
      name: `${account.name}-runsc`,
      bucketName: account.runscMirrorBucket,
      expireAfterDays: 3650,
      keyAlias: RUNSC_MIRROR_KEY_ALIAS,
    });
    if (!account.autoScalingRoleExists) {
      this.autoScalingRole = new IamServiceLinkedRole(this, 'AutoScalingRole', {
        awsServiceName: 'autoscaling.amazonaws.com',
        description: 'EC2 Auto Scaling (EKS managed node groups); named by the node volume keys',
      });
    }
    if (account.threatDetection)
      this.threatDetection = new ThreatDetection(this, 'ThreatDetection');
    new TerraformOutput(this, 'runsc_mirror_bucket', { value: this.runscMirror.bucket.bucket });
  }
}
