/**
 * Where each kind eval-sandbox emits, applies or judges lives in the Kubernetes API: its resource
 * (plural) and whether it is namespaced. One table for the offline policy evaluator (which matches
 * rules by resource) and the local REST client (which builds request paths).
 */
export interface KubeResourceInfo {
  readonly resource: string;
  readonly namespaced: boolean;
}

export const KUBE_RESOURCES: Readonly<Record<string, KubeResourceInfo>> = {
  Namespace: { resource: 'namespaces', namespaced: false },
  Pod: { resource: 'pods', namespaced: true },
  Service: { resource: 'services', namespaced: true },
  ServiceAccount: { resource: 'serviceaccounts', namespaced: true },
  ResourceQuota: { resource: 'resourcequotas', namespaced: true },
  LimitRange: { resource: 'limitranges', namespaced: true },
  ConfigMap: { resource: 'configmaps', namespaced: true },
  Secret: { resource: 'secrets', namespaced: true },
  Job: { resource: 'jobs', namespaced: true },
  CronJob: { resource: 'cronjobs', namespaced: true },
  Deployment: { resource: 'deployments', namespaced: true },
  StatefulSet: { resource: 'statefulsets', namespaced: true },
  ReplicaSet: { resource: 'replicasets', namespaced: true },
  DaemonSet: { resource: 'daemonsets', namespaced: true },
  ReplicationController: { resource: 'replicationcontrollers', namespaced: true },
  PersistentVolumeClaim: { resource: 'persistentvolumeclaims', namespaced: true },
  Endpoints: { resource: 'endpoints', namespaced: true },
  EndpointSlice: { resource: 'endpointslices', namespaced: true },
  NetworkPolicy: { resource: 'networkpolicies', namespaced: true },
  Role: { resource: 'roles', namespaced: true },
  RoleBinding: { resource: 'rolebindings', namespaced: true },
  ClusterRole: { resource: 'clusterroles', namespaced: false },
  ClusterRoleBinding: { resource: 'clusterrolebindings', namespaced: false },
  RuntimeClass: { resource: 'runtimeclasses', namespaced: false },
  PriorityClass: { resource: 'priorityclasses', namespaced: false },
  CustomResourceDefinition: { resource: 'customresourcedefinitions', namespaced: false },
  ValidatingAdmissionPolicy: { resource: 'validatingadmissionpolicies', namespaced: false },
  ValidatingAdmissionPolicyBinding: {
    resource: 'validatingadmissionpolicybindings',
    namespaced: false,
  },
};
