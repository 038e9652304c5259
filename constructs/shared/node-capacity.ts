/**
 * What the two ways of running gVisor nodes share (framework-free): the managed node group
 * (constructs/aws/gvisor-node-group.ts) and the Karpenter NodePool
 * (constructs/k8s/karpenter-gvisor-pool.ts) with its controller (constructs/aws/karpenter-controller.ts).
 */

/**
 * The tag Karpenter's EC2NodeClass finds subnets and security groups by, as Karpenter's own
 * getting-started guide names it; its value is the cluster name. `KarpenterController` puts it on
 * the nodes' subnets and security groups, `KarpenterGvisorPool` selects on it.
 */
export const KARPENTER_DISCOVERY_TAG = 'karpenter.sh/discovery';

/**
 * The pod annotation that keeps Karpenter from evicting a pod to consolidate or replace its node
 * (expiry then waits for it, up to the NodePool's terminationGracePeriod). Evaluation and egress
 * gateway pods carry it, so a running evaluation is never drained; without Karpenter it is inert.
 */
export const KARPENTER_DO_NOT_DISRUPT_ANNOTATION = 'karpenter.sh/do-not-disrupt';

/**
 * Instance families gVisor nodes may use: x86_64 Nitro instances (runsc's systrap platform needs no
 * nested virtualisation). The same list as `GVISOR_INSTANCE_FAMILIES` of stacks/config.ts, which
 * the managed pool's instance types are checked against (a test keeps the two equal).
 */
export const SANDBOX_INSTANCE_FAMILIES: readonly string[] = [
  'm6i',
  'm7i',
  'm6a',
  'm7a',
  'c6i',
  'c7i',
  'c6a',
  'c7a',
  'r6i',
  'r7i',
];
