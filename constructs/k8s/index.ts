export * from './gvisor-runtime-class';
export * from './sandbox-namespace';
export * from './egress-policy';
export * from './egress-gateway';
export * from './sandbox-identity';
export * from './evaluator-rbac';
export * from './evaluation-job';
export * from './evaluation-sandbox';
export * from './sandbox-admission-policies';
export * from './sandbox-priority-class';
export * from './posture-record';
export * from './conformance-probe';
export * from './sandbox-janitor';
export * from './janitor-logic';
export * from './kube-system-baseline';
// Types the admission policies' props and fields use (the pack itself lives in policies/k8s/).
export type { KubeObject, PolicyPair } from '../../policies/k8s/pack';
export type {
  AdmissionRule,
  RuleMatch,
  RuleValidation,
  RuleVariable,
  Severity,
} from '../../policies/k8s/rule';
export type { PolicyParameters } from '../../policies/k8s/parameters';
export * from './karpenter-gvisor-pool';
