// What one AWS construct needs of another, as AWS CDK's IVpc and ICluster do: pass the construct
// itself (SandboxVpc, SandboxCluster, ArtifactStore implement these), or, for resources made
// elsewhere, an object literal with their ids.

/** A network a cluster and its node pools run in: a `SandboxVpc`, or an existing VPC by its ids. */
export interface ISandboxNetwork {
  /** The VPC id. */
  readonly vpcId: string;
  /** Private subnets, one per availability zone: the control plane's interfaces and the nodes. */
  readonly privateSubnetIds: string[];
}

/** A cluster node pools join: a `SandboxCluster`, or an existing EKS cluster by its name and group. */
export interface ISandboxCluster {
  /** The EKS cluster name (a reference to the cluster, so Terraform creates pools after it). */
  readonly clusterName: string;
  /** The security group EKS created for the cluster (control plane ↔ nodes). */
  readonly clusterSecurityGroupId: string;
}

/** An S3 bucket and its customer key: an `ArtifactStore`, or an existing bucket by its ARNs. */
export interface IEncryptedBucket {
  /** The bucket's ARN. */
  readonly bucketArn: string;
  /** The ARN of the KMS key the bucket's objects are encrypted with. */
  readonly keyArn: string;
}
