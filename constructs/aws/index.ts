// The AWS (cdktf) constructs: a separate entry point, so the Kubernetes library never loads cdktf.
export type { ISandboxNetwork, ISandboxCluster, IEncryptedBucket } from './references';
export * from './customer-key';
export * from './sandbox-vpc';
export * from './sandbox-cluster';
export * from './gvisor-bootstrap';
export type { NodePoolProps } from './node-pool';
export * from './gvisor-node-group';
export * from './system-node-group';
export * from './artifact-store';
export * from './result-collector-role';
export * from './image-registry';
export * from './threat-detection';
export * from './admin-access';
export * from './rule-pack-aspect';
// Types of the rule pack's reports and acknowledgements (the pack lives in policies/tf/).
export type { TfAcknowledgement, TfReport } from '../../policies/tf/pack';
export type { TfFinding } from '../../policies/tf/rule';
export * from './karpenter-controller';
