/**
 * Label, annotation and taint keys shared by the Kubernetes (cdk8s) and AWS (cdktf) halves.
 *
 * This module is framework-free on purpose: both sides import it, and neither imports the other.
 * Never retype one of these strings as a literal elsewhere.
 */

/** The domain every eval-sandbox label key lives under. */
export const LABEL_DOMAIN = 'eval-sandbox.io';

/** Marks a namespace as a sandbox. Admission policies select sandbox namespaces on this label. */
export const SANDBOX_NAMESPACE_LABEL = `${LABEL_DOMAIN}/sandbox`;
/** The value of {@link SANDBOX_NAMESPACE_LABEL} on a sandbox namespace. */
export const SANDBOX_NAMESPACE_LABEL_VALUE = 'true';

/** Node label carried by the gVisor node pool; the RuntimeClass schedules onto it. */
export const SANDBOX_NODE_LABEL = `${LABEL_DOMAIN}/runtime`;
/** The value of {@link SANDBOX_NODE_LABEL} on gVisor nodes. */
export const SANDBOX_NODE_LABEL_VALUE = 'gvisor';

/** Taint on the gVisor node pool so only pods of the gVisor RuntimeClass land there. */
export const SANDBOX_NODE_TAINT_KEY = `${LABEL_DOMAIN}/sandbox`;
/** The value of {@link SANDBOX_NODE_TAINT_KEY}. */
export const SANDBOX_NODE_TAINT_VALUE = 'gvisor';
/** The effect of the gVisor node taint. */
export const SANDBOX_NODE_TAINT_EFFECT = 'NoSchedule';

/** Provenance: which evaluation a workload belongs to. */
export const EVALUATION_ID_LABEL = `${LABEL_DOMAIN}/evaluation-id`;
/** Provenance: the task under evaluation. */
export const TASK_LABEL = `${LABEL_DOMAIN}/task`;
/** Provenance: the model under evaluation. */
export const MODEL_LABEL = `${LABEL_DOMAIN}/model`;

/** Standard Kubernetes label naming the tool that manages an object. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** The value of {@link MANAGED_BY_LABEL} on everything eval-sandbox emits. */
export const MANAGED_BY_VALUE = 'eval-sandbox';
/** Standard Kubernetes label naming the component an object belongs to. */
export const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** Pod Security Admission label keys (see https://kubernetes.io/docs/concepts/security/pod-security-admission/). */
export const POD_SECURITY_LABELS = {
  enforce: 'pod-security.kubernetes.io/enforce',
  enforceVersion: 'pod-security.kubernetes.io/enforce-version',
  audit: 'pod-security.kubernetes.io/audit',
  auditVersion: 'pod-security.kubernetes.io/audit-version',
  warn: 'pod-security.kubernetes.io/warn',
  warnVersion: 'pod-security.kubernetes.io/warn-version',
} as const;

/** The label Kubernetes sets on every namespace to its own name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * Set to {@link SANDBOX_OUTCOME_FAILED} on a sandbox namespace by the janitor when its evaluation
 * failed, so dead letters are countable: `kubectl get ns -l eval-sandbox.io/outcome=failed`.
 */
export const SANDBOX_OUTCOME_LABEL = `${LABEL_DOMAIN}/outcome`;
/** The value of {@link SANDBOX_OUTCOME_LABEL} on a sandbox whose evaluation failed. */
export const SANDBOX_OUTCOME_FAILED = 'failed';
/** When the janitor first saw the sandbox's evaluation failed (RFC 3339, UTC, `Z`). */
export const SANDBOX_FAILED_AT_ANNOTATION = `${LABEL_DOMAIN}/failed-at`;
/** After this instant (RFC 3339, UTC, `YYYY-MM-DDTHH:MM:SSZ`) the janitor deletes the sandbox. */
export const SANDBOX_EXPIRES_AT_ANNOTATION = `${LABEL_DOMAIN}/expires-at`;
