export * from './gvisor-runtime-class';
export * from './sandbox-namespace';
export * from './egress-policy';
export * from './sandbox-identity';
export * from './evaluator-rbac';
export * from './evaluation-job';
export * from './evaluation-sandbox';
export * from './sandbox-admission-policies';
