// Generated from schemas/evaluation.v1alpha1.json by `npm run generate`: do not edit.

/**
 * One evaluation run, rendered by `eval-sandbox render` into a hardened EvaluationSandbox: its own namespace (PSA restricted, quota, default-deny network), an identity with no rights, and a Job in gVisor. Checked by `eval-sandbox validate`.
 */
export interface EvaluationSpec {
  /**
   * Version of this format.
   */
  apiVersion: 'eval-sandbox.dev/v1alpha1';
  /**
   * Kind of document.
   */
  kind: 'Evaluation';
  /**
   * Name and labels of the evaluation.
   */
  metadata: {
    /**
     * Evaluation id, unique across all files: becomes the namespace `sbx-<name>`, the Job `eval-<name>`, the ConfigMap `eval-<name>-posture` and the `eval-sandbox.io/evaluation-id` label.
     */
    name: string;
    /**
     * Provenance labels (team, commit, dataset, run group, …) put on the Job and its pods.
     */
    labels?: {
      /**
       * A label value.
       */
      [k: string]: string;
    };
  };
  /**
   * What runs in the sandbox and what it may use.
   */
  spec: {
    /**
     * The task image, pinned by digest: `registry/repo/name@sha256:<64 lowercase hex>` (a tag before `@` is allowed and ignored by the runtime).
     */
    image: string;
    /**
     * Entrypoint of the evaluation container. Default: the image's entrypoint.
     *
     * @minItems 1
     *
     * Items: One word of the command.
     */
    command?: [string, ...string[]];
    /**
     * Arguments of the evaluation container. Default: the image's arguments.
     *
     * Items: One argument.
     */
    args?: string[];
    /**
     * Plain environment variables of the evaluation container. Never put secret values here: the sandbox is untrusted and the values are written to the rendered manifests.
     */
    env?: {
      /**
       * The variable's value.
       */
      [k: string]: string;
    };
    /**
     * What the evaluation container requests and is limited to (requests equal limits). The sandbox quota is sized to hold them plus the gVisor pod overhead.
     */
    resources: {
      /**
       * CPU request and limit: cores (`1`, `1.5`) or millicores (`500m`).
       */
      cpu: string | number;
      /**
       * Memory request and limit, a Kubernetes quantity with a binary suffix (`512Mi`, `2Gi`). The memory-backed scratch volume at /tmp (`scratch`, 1Gi unless set) is charged to it.
       */
      memory: string;
      /**
       * Ephemeral-storage request and limit (logs and writable layers), a Kubernetes quantity with a binary suffix (`4Gi`).
       */
      ephemeralStorage: string;
      /**
       * Size of the writable scratch volume at /tmp (the root filesystem is read-only). It is a tmpfs, charged to `memory` and bounded by the kernel, so it must not exceed `memory`. Default 1Gi.
       */
      scratch?: string;
    };
    /**
     * How long the Job may run before Kubernetes kills it (`activeDeadlineSeconds`), a Go-style duration of whole hours, minutes and seconds: `1h`, `90m`, `1h30m`, at most `24h`.
     */
    timeout: string;
    /**
     * How many times a failed run is run again (a non-zero exit of the evaluation, an OOM kill): with 0 the first failure fails the Job. Disruptions (eviction, a drained or lost node) are retried without counting, within the timeout. Default: 0.
     */
    retries?: number;
    /**
     * How long the finished Job and its pods (and so their logs) are kept before the cluster deletes them, a Go-style duration (`15m`, `192h`). At least 15m, so the sandbox janitor sees a failed Job. Default: 192h (8 days, longer than the janitor keeps a failed run).
     */
    ttlAfterFinished?: string;
    /**
     * Network egress of the sandbox. Default: none at all, not even DNS.
     */
    egress?: {
      /**
       * Destinations the sandbox may reach, each becoming a NetworkPolicy `allow-egress-<n>` (1-based).
       *
       * Items: One destination range and the ports on it.
       */
      allow?: {
        /**
         * Destination range as a network address, IPv4 or IPv6 (`10.20.0.0/16`, `2001:db8::/32`). Link-local and instance-metadata ranges are refused.
         */
        cidr: string;
        /**
         * Destination ports. Required unless `allowAllPorts` is true.
         *
         * @minItems 1
         *
         * Items: A port number.
         */
        ports?: [number, ...number[]];
        /**
         * Protocol of `ports`. Default: TCP.
         */
        protocol?: 'TCP' | 'UDP';
        /**
         * Open every port and protocol on `cidr`. Costs the port-level allowlist: anything listening on the range becomes reachable from the sandbox. Default: false.
         */
        allowAllPorts?: boolean;
      }[];
      /**
       * Names the evaluation may reach over HTTP(S) through the sandbox's egress gateway: exact (`pypi.org`) or `*.` and a suffix (`*.githubusercontent.com`, which does not include `githubusercontent.com` itself). Lowercase, no URL, no port, no IP address, not under a reserved suffix (`local`, `internal`, …). The evaluation gets HTTPS_PROXY and HTTP_PROXY naming the gateway; rendering needs the platform's egress gateway image.
       *
       * @minItems 1
       *
       * Items: One name or `*.suffix` pattern.
       */
      domains?: [string, ...string[]];
      /**
       * Destination ports of `domains`: 443 and other ports through CONNECT, 80 for plain http://. Default: [443].
       *
       * @minItems 1
       *
       * Items: A port number.
       */
      domainPorts?: [number, ...number[]];
      /**
       * Let the sandbox query the cluster DNS (UDP and TCP 53). Costs the closed DNS channel: the cluster DNS forwards any name outward. Default: false.
       */
      allowClusterDns?: boolean;
    };
  };
}
