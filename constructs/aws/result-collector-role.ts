import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { ValidationError } from '../shared/errors';
import { SANDBOX_NAMESPACE_PREFIX } from '../shared/platform';
import { checkDnsLabel } from '../shared/validation';
import { IEncryptedBucket, ISandboxCluster } from './references';

/** The key prefix of the artifact bucket that collected evaluation results are written under. */
export const RESULTS_PREFIX = 'evaluations/';

/** Properties for {@link ResultCollectorRole}. */
export interface ResultCollectorRoleProps {
  /** Environment name; the role is named `<name>-result-collector` (at most 64 characters). */
  readonly name: string;
  /** The EKS cluster the collector runs in: a `SandboxCluster`, or `{ clusterName, … }`. */
  readonly cluster: ISandboxCluster;
  /** The region of the cluster and the bucket (for the `kms:ViaService` condition). */
  readonly region: string;
  /** The bucket (and its customer key) results are written to. */
  readonly store: IEncryptedBucket;
  /**
   * The collector's own namespace (the orchestrator's, or a dedicated one). Never a sandbox
   * namespace (`sbx-…`): a sandbox's service account must never hold cloud credentials.
   */
  readonly namespace: string;
  /**
   * The collector's service account in `namespace`.
   *
   * @default 'result-collector'
   */
  readonly serviceAccount?: string;
}

/**
 * The cloud identity of the trusted step that collects evaluation results, outside every sandbox's
 * trust boundary (ADR 0003): an IAM role bound through EKS Pod Identity to one service account in
 * the collector's own namespace, which may only add objects under `evaluations/` of the artifact
 * bucket (write and abort a multipart upload, with the bucket's key through S3). It cannot read,
 * list or delete anything. The collector reads results from the Kubernetes API (`pods/log`, the
 * termination message); the sandbox itself holds no credentials.
 */
export class ResultCollectorRole extends Construct {
  /** The IAM role. */
  public readonly role: IamRole;
  /** The Pod Identity association binding the role to the collector's service account. */
  public readonly association: EksPodIdentityAssociation;
  /** The collector's namespace. */
  public readonly namespace: string;
  /** The collector's service account. */
  public readonly serviceAccount: string;
  /** The key prefix the role may write under (`evaluations/`). */
  public readonly prefix: string;

  constructor(scope: Construct, id: string, props: ResultCollectorRoleProps) {
    super(scope, id);
    this.namespace = props.namespace;
    this.serviceAccount = props.serviceAccount ?? 'result-collector';
    this.prefix = RESULTS_PREFIX;

    const fail = (problem: string): never => {
      throw new ValidationError(this.node.path, problem);
    };
    if (Token.isUnresolved(this.namespace))
      fail(
        'namespace must be a literal, so that it can be checked not to be a sandbox namespace; ' +
          "pass the collector's namespace name as a string",
      );
    const badNamespace = checkDnsLabel('namespace', this.namespace);
    if (badNamespace) fail(badNamespace);
    if (this.namespace.startsWith(SANDBOX_NAMESPACE_PREFIX))
      fail(
        `namespace '${this.namespace}' is a sandbox namespace (prefix '${SANDBOX_NAMESPACE_PREFIX}'): ` +
          "a sandbox's service account must never hold cloud credentials; bind the collector in its own namespace",
      );
    if (!Token.isUnresolved(this.serviceAccount)) {
      const badServiceAccount = checkDnsLabel('serviceAccount', this.serviceAccount);
      if (badServiceAccount) fail(badServiceAccount);
    }
    const roleName = `${props.name}-result-collector`;
    if (!Token.isUnresolved(props.name) && roleName.length > 64)
      fail(
        `name '${props.name}' makes the role name '${roleName}' longer than IAM's 64 characters; ` +
          `use a name of at most ${64 - '-result-collector'.length} characters`,
      );

    this.role = new IamRole(this, 'Resource', {
      name: roleName,
      description: `eval-sandbox: writes collected evaluation results (${this.namespace}/${this.serviceAccount})`,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'PodIdentityOfTheCollectorOnly',
            Effect: 'Allow',
            Principal: { Service: 'pods.eks.amazonaws.com' },
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            // Pod Identity's session tags: even a second association made by hand for another
            // service account (a sandbox's, say) cannot assume this role.
            Condition: {
              StringEquals: {
                'aws:RequestTag/eks-cluster-name': props.cluster.clusterName,
                'aws:RequestTag/kubernetes-namespace': this.namespace,
                'aws:RequestTag/kubernetes-service-account': this.serviceAccount,
              },
            },
          },
        ],
      }),
    });
    new IamRolePolicy(this, 'Policy', {
      role: this.role.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'WriteResults',
            Effect: 'Allow',
            Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
            Resource: `${props.store.bucketArn}/${this.prefix}*`,
          },
          {
            // GenerateDataKey to write; Decrypt because S3 reads the encrypted parts back to
            // complete a multipart upload. Only through S3, where the role can write and not read.
            Sid: 'ArtifactKeyThroughS3',
            Effect: 'Allow',
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Resource: props.store.keyArn,
            Condition: { StringEquals: { 'kms:ViaService': `s3.${props.region}.amazonaws.com` } },
          },
        ],
      }),
    });
    this.association = new EksPodIdentityAssociation(this, 'Association', {
      clusterName: props.cluster.clusterName,
      namespace: this.namespace,
      serviceAccount: this.serviceAccount,
      roleArn: this.role.arn,
      // The trust policy's conditions read these tags: with them off the role cannot be assumed.
      disableSessionTags: false,
    });
  }
}
