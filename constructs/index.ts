// Re-exports only. The AWS (cdktf) constructs are exported from their own entry point so that
// importing the Kubernetes library never loads cdktf, and vice versa.
export * from './shared';
export * from './k8s';
