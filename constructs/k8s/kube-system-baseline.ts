import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import * as ipaddr from 'ipaddr.js';
import { ValidationError } from '../shared/errors';
import { INSTANCE_METADATA_CIDRS } from '../shared/platform';
import { isIpv4Mapped, networkAddress, parseStrictCidr, planEgressCidr } from '../shared/network';
import { checkDnsLabel, checkInteger } from '../shared/validation';
import { check, standardLabels } from './internal';

/**
 * The private IPv4 ranges (RFC 1918). EKS takes the Service CIDR from them, and the platform's VPC
 * (its nodes, the API server's private endpoint ENIs, the VPC resolver at base + 2 and the interface
 * endpoints for EC2 and STS) lies in them: the defaults where the chart cannot know the VPC.
 */
export const PRIVATE_IPV4_CIDRS: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
];

/** The Amazon-provided DNS server's link-local address (Nitro instances). */
export const AMAZON_DNS_CIDR = '169.254.169.253/32';

/** The EKS Pod Identity agent (hostNetwork on every node): IPv4 and IPv6, port 80. */
export const POD_IDENTITY_AGENT_CIDRS: readonly string[] = [
  '169.254.170.23/32',
  'fd00:ec2::23/128',
];

/** Pod labels of the add-on workloads the baseline opens, as the EKS add-ons label them. */
export const KUBE_SYSTEM_POD_LABELS = {
  /** CoreDNS (the `coredns` add-on's Deployment selector). */
  coreDns: { 'k8s-app': 'kube-dns' },
  /** The EBS CSI controller (the `aws-ebs-csi-driver` chart's Deployment selector). */
  ebsCsiController: { app: 'ebs-csi-controller' },
  /** The EBS CSI node plugin (the same chart's DaemonSet selector; not hostNetwork). */
  ebsCsiNode: { app: 'ebs-csi-node' },
  /** Karpenter's controller (its Helm chart's selector labels). */
  karpenter: { 'app.kubernetes.io/name': 'karpenter' },
} as const;

/** Properties for {@link KubeSystemBaseline}. */
export interface KubeSystemBaselineProps {
  /**
   * The namespace the EKS add-ons run in.
   *
   * @default 'kube-system'
   */
  readonly namespace?: string;

  /**
   * Where the API server is, for CoreDNS and the EBS CSI pods. Pods reach it by the `kubernetes`
   * Service's address, which the network plugin may judge before translating it (the VPC CNI's
   * agent, at the pod's interface) or after (kube-router, iptables): list both, on EKS the Service
   * CIDR (`172.20.0.0/16` or `10.100.0.0/16` unless set) and the VPC CIDR, where the private
   * endpoint's ENIs are. Metadata and link-local addresses are refused, or excepted from a broader
   * range.
   *
   * @default PRIVATE_IPV4_CIDRS - the RFC 1918 ranges, which hold both on EKS (the chart does not
   * know the VPC); narrow to `[serviceCidr, vpcCidr]`
   */
  readonly apiServerCidrs?: string[];

  /**
   * The API server's TCP ports. On EKS 443, before and after the Service's translation; a plugin
   * that judges after it (kube-router) needs the endpoint's port too where it differs.
   *
   * @default [443]
   */
  readonly apiServerPorts?: number[];

  /**
   * CoreDNS's upstream resolvers (UDP and TCP 53). On EKS the CoreDNS add-on forwards to the node's
   * resolv.conf, the VPC resolver at the VPC CIDR's base + 2 ({@link KubeSystemBaseline.vpcResolverCidr});
   * the Amazon-provided DNS is also at `169.254.169.253`. A single link-local address is accepted
   * here (that one), but never a metadata address; a broader range gets the metadata and link-local
   * ranges excepted.
   *
   * @default - `169.254.169.253/32` and PRIVATE_IPV4_CIDRS (base + 2 of any VPC in them); narrow to
   * `['169.254.169.253/32', KubeSystemBaseline.vpcResolverCidr(vpcCidr)]`
   */
  readonly dnsResolverCidrs?: string[];

  /**
   * Where the EBS CSI controller reaches the AWS APIs it calls (EC2; STS when it assumes a role), TCP
   * 443. The platform's VPC has interface endpoints with private DNS for both, so they resolve to
   * addresses in the VPC. Without those endpoints, the public ranges: `['0.0.0.0/0']` (metadata and
   * link-local ranges are always excepted). The Pod Identity agent (`169.254.170.23:80`,
   * `[fd00:ec2::23]:80`) is opened separately and always; the instance metadata service never.
   *
   * @default PRIVATE_IPV4_CIDRS - the VPC's interface endpoints; narrow to `[vpcCidr]`
   */
  readonly awsApiCidrs?: string[];
  /**
   * Karpenter's controller runs in this namespace (`gvisorCapacity: 'karpenter'`): open what it
   * needs (the API server, cluster DNS, AWS APIs on 443, the Pod Identity agent).
   *
   * @default false
   */
  readonly karpenter?: boolean;
}

type Peer = kplus.k8s.NetworkPolicyPeer;
type Port = kplus.k8s.NetworkPolicyPort;

/**
 * NetworkPolicies for `kube-system`, so the VPC CNI's strict mode (every pod isolated until a policy
 * admits its traffic) does not starve the EKS add-ons the platform installs, and so that the namespace
 * behaves the same in standard mode: a default-deny for every pod, then least-privilege openings for
 * CoreDNS and the EBS CSI controller and node plugin. vpc-cni (`aws-node`), kube-proxy and
 * eks-pod-identity-agent run on the host network, where NetworkPolicy does not apply.
 */
export class KubeSystemBaseline extends Construct {
  /**
   * The VPC resolver of a VPC: its CIDR's network address + 2, as a /32.
   *
   * @param vpcCidr the VPC's primary IPv4 CIDR (`10.40.0.0/16` → `10.40.0.2/32`)
   */
  public static vpcResolverCidr(vpcCidr: string): string {
    const parsed = parseStrictCidr(vpcCidr);
    if (!parsed || parsed[0].kind() !== 'ipv4' || parsed[1] > 28) {
      throw new ValidationError(
        'KubeSystemBaseline.vpcResolverCidr',
        `vpcCidr '${vpcCidr}' is not an IPv4 CIDR of /28 or larger; use the VPC's primary CIDR, e.g. '10.40.0.0/16'`,
      );
    }
    const base = networkAddress(parsed[0], parsed[1]).toByteArray();
    const value = ((base[0] << 24) | (base[1] << 16) | (base[2] << 8) | base[3]) + 2;
    return `${ipaddr.fromByteArray([(value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]).toString()}/32`;
  }

  /** The namespace. */
  public readonly namespace: string;
  /** The API server's CIDRs, as given (or the default). */
  public readonly apiServerCidrs: string[];
  /** The API server's ports. */
  public readonly apiServerPorts: number[];
  /** CoreDNS's upstream resolvers. */
  public readonly dnsResolverCidrs: string[];
  /** Where the EBS CSI controller reaches the AWS APIs. */
  public readonly awsApiCidrs: string[];
  /** Denies every pod of the namespace all ingress and egress that no other policy allows. */
  public readonly defaultDeny: kplus.k8s.KubeNetworkPolicy;
  /** CoreDNS: DNS in from every namespace; out to the API server and the upstream resolvers. */
  public readonly coreDns: kplus.k8s.KubeNetworkPolicy;
  /** The EBS CSI controller: nothing in; out to the API server, cluster DNS, the AWS APIs and the Pod Identity agent. */
  public readonly ebsCsiController: kplus.k8s.KubeNetworkPolicy;
  /** The EBS CSI node plugin: nothing in; out to the API server. */
  public readonly ebsCsiNode: kplus.k8s.KubeNetworkPolicy;
  /** Karpenter's controller, when `karpenter` is set. */
  public readonly karpenter?: kplus.k8s.KubeNetworkPolicy;

  constructor(scope: Construct, id: string, props: KubeSystemBaselineProps = {}) {
    super(scope, id);
    this.namespace = props.namespace ?? 'kube-system';
    check(this, checkDnsLabel('namespace', this.namespace));
    this.apiServerCidrs = [...(props.apiServerCidrs ?? PRIVATE_IPV4_CIDRS)];
    this.apiServerPorts = [...(props.apiServerPorts ?? [443])];
    this.dnsResolverCidrs = [
      ...(props.dnsResolverCidrs ?? [AMAZON_DNS_CIDR, ...PRIVATE_IPV4_CIDRS]),
    ];
    this.awsApiCidrs = [...(props.awsApiCidrs ?? PRIVATE_IPV4_CIDRS)];

    const apiServer = this.egressBlocks('apiServerCidrs', this.apiServerCidrs, false);
    const resolvers = this.egressBlocks('dnsResolverCidrs', this.dnsResolverCidrs, true);
    const awsApis = this.egressBlocks('awsApiCidrs', this.awsApiCidrs, false);
    if (this.apiServerPorts.length === 0) {
      check(this, 'apiServerPorts needs at least one port (443 on EKS)');
    }
    this.apiServerPorts.forEach((port, i) =>
      check(this, checkInteger(`apiServerPorts[${i}]`, port, 1, 65535)),
    );

    const tcp = (port: number): Port => ({
      protocol: 'TCP',
      port: kplus.k8s.IntOrString.fromNumber(port),
    });
    const dns: Port[] = [{ protocol: 'UDP', port: kplus.k8s.IntOrString.fromNumber(53) }, tcp(53)];
    // Every add-on pod here talks to the API server (informers, leader election, node objects).
    const toApiServer = { to: apiServer, ports: this.apiServerPorts.map(tcp) };
    const labels = standardLabels('kube-system-baseline');
    const policy = (
      id: string,
      name: string,
      podSelector: Record<string, string>,
      spec: Pick<kplus.k8s.NetworkPolicySpec, 'ingress' | 'egress'>,
    ) =>
      new kplus.k8s.KubeNetworkPolicy(this, id, {
        metadata: { name, namespace: this.namespace, labels },
        spec: {
          podSelector: Object.keys(podSelector).length > 0 ? { matchLabels: podSelector } : {},
          // Both types always: a type left out would leave that direction open in standard mode
          // (and, for ingress, in the VPC CNI's strict mode too: aws/amazon-vpc-cni-k8s#3068).
          policyTypes: ['Ingress', 'Egress'],
          ...spec,
        },
      });

    // Everything in the namespace: no traffic but what the policies below allow. Under the VPC
    // CNI's strict mode that is already the case for pods no policy selects; this makes standard mode
    // (and any other NetworkPolicy implementation) the same. Host-network pods (aws-node,
    // kube-proxy, eks-pod-identity-agent) are not subject to NetworkPolicy at all.
    this.defaultDeny = policy('DefaultDeny', 'eval-sandbox-kube-system-default-deny', {}, {});

    this.coreDns = policy('CoreDns', 'eval-sandbox-coredns', KUBE_SYSTEM_POD_LABELS.coreDns, {
      // Queries from every pod of every namespace (the sandboxes' allow-cluster-dns policy targets
      // exactly these pods). Not the metrics port (9153): nothing in the platform scrapes it, and a
      // monitoring stack adds its own policy. Kubelet probes (8080, 8181) come from the node's own
      // address, which the VPC CNI agent and kube-router always admit.
      ingress: [{ from: [{ namespaceSelector: {} }], ports: dns }],
      egress: [
        // The kubernetes plugin watches Services, EndpointSlices, Namespaces (and Pods) through the API server.
        toApiServer,
        // Names outside the cluster are forwarded to the node's resolver (the VPC resolver).
        { to: resolvers, ports: dns },
      ],
    });

    const clusterDns: Peer = {
      podSelector: { matchLabels: { ...KUBE_SYSTEM_POD_LABELS.coreDns } },
    };
    const podIdentityAgent: Peer[] = POD_IDENTITY_AGENT_CIDRS.map((cidr) => ({
      ipBlock: { cidr },
    }));
    this.ebsCsiController = policy(
      'EbsCsiController',
      'eval-sandbox-ebs-csi-controller',
      KUBE_SYSTEM_POD_LABELS.ebsCsiController,
      {
        // No ingress: its metrics endpoints are off in the add-on's defaults; probes come from the node.
        egress: [
          // The CSI sidecars (provisioner, attacher, resizer, snapshotter) watch PVCs,
          // VolumeAttachments and Nodes and hold leader-election leases; the driver reads the Node
          // object for its metadata when IMDS is out of reach (it is, below).
          toApiServer,
          // It resolves the EC2 and STS endpoints' names through cluster DNS (dnsPolicy ClusterFirst).
          { to: [clusterDns], ports: dns },
          // EC2 (CreateVolume, AttachVolume, …; KMS is called by EC2, not by the driver) and STS.
          { to: awsApis, ports: [tcp(443)] },
          // Its credentials: the add-on's Pod Identity association, served by the agent on the node.
          // The instance metadata service (169.254.169.254, fd00:ec2::254) is never opened: the
          // driver falls back to the Kubernetes API for its region and instance data.
          { to: podIdentityAgent, ports: [tcp(80)] },
        ],
      },
    );

    this.ebsCsiNode = policy(
      'EbsCsiNode',
      'eval-sandbox-ebs-csi-node',
      KUBE_SYSTEM_POD_LABELS.ebsCsiNode,
      {
        // No ingress (probes come from the node). It calls no AWS API: attaching is the
        // controller's job; it mounts, formats and reports what it reads from the Node object
        // (instance ID, zone, attach limit) when IMDS is out of reach, as it is here. It reaches
        // the API server by the Service's address, without DNS.
        egress: [toApiServer],
      },
    );

    if (props.karpenter) {
      this.karpenter = policy(
        'Karpenter',
        'eval-sandbox-karpenter',
        KUBE_SYSTEM_POD_LABELS.karpenter,
        {
          // No ingress: Karpenter v1.1+ serves no webhooks; probes come from the node.
          egress: [
            // NodePools, NodeClaims, Nodes, Pods: it watches and writes them.
            toApiServer,
            { to: [clusterDns], ports: dns },
            // EC2 (fleets, launch templates), SQS (interruptions), SSM (AMI aliases), IAM
            // (instance profiles), pricing and EKS: most have no VPC endpoint here, so any address
            // on 443 (through NAT), metadata and link-local ranges excepted.
            { to: this.egressBlocks('karpenter', ['0.0.0.0/0'], false), ports: [tcp(443)] },
            // Its credentials: Pod Identity (instance metadata stays closed).
            { to: podIdentityAgent, ports: [tcp(80)] },
          ],
        },
      );
    }
  }

  /** IP blocks for a list of CIDRs: each checked, metadata and link-local ranges excepted. */
  private egressBlocks(field: string, cidrs: string[], allowLinkLocalHost: boolean): Peer[] {
    if (cidrs.length === 0) check(this, `${field} needs at least one CIDR`);
    return cidrs.map((cidr, i) => {
      const name = `${field}[${i}]`;
      const plan = planEgressCidr(name, cidr);
      if (plan.problem !== undefined && allowLinkLocalHost) {
        const single = linkLocalHost(cidr);
        if (single !== undefined) {
          check(
            this,
            INSTANCE_METADATA_CIDRS.includes(single)
              ? `${name} '${cidr}' is an instance-metadata or credential address, which kube-system pods may not reach through this baseline; remove it`
              : undefined,
          );
          return { ipBlock: { cidr: single } };
        }
      }
      check(this, plan.problem);
      return {
        ipBlock:
          plan.except.length > 0 ? { cidr: plan.cidr, except: plan.except } : { cidr: plan.cidr },
      };
    });
  }
}

/** A single link-local address (`/32` or `/128`) in canonical form, or undefined. */
function linkLocalHost(cidr: string): string | undefined {
  const parsed = parseStrictCidr(cidr);
  if (!parsed || isIpv4Mapped(parsed[0])) return undefined;
  const [address, bits] = parsed;
  if (bits !== (address.kind() === 'ipv4' ? 32 : 128) || address.range() !== 'linkLocal') {
    return undefined;
  }
  return `${address.toString()}/${bits}`;
}
