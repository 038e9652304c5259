// The gVisor node bootstrap moved to constructs/shared/ (framework-free), so the Karpenter NodeClass
// (cdk8s) and the managed node group (cdktf) render the same user data; kept here for its importers.
export * from '../shared/gvisor-bootstrap';
