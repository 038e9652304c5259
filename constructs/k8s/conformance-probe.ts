import { Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type * as ipaddr from 'ipaddr.js';
import { ValidationError } from '../shared/errors';
import { COMPONENT_LABEL, EVALUATION_ID_LABEL } from '../shared/labels';
import { isIpv4Mapped, parseStrictCidr, parseStrictIp } from '../shared/network';
import { PROBE_IMAGE } from '../shared/probe-image';
import {
  DEFAULT_GVISOR_OVERHEAD_CPU,
  DEFAULT_GVISOR_OVERHEAD_MEMORY,
} from './gvisor-runtime-class';
import { checkDnsLabel } from '../shared/validation';
import { EgressPolicy, EgressProtocol, EgressRule } from './egress-policy';
import {
  DEFAULT_EVALUATION_CPU,
  DEFAULT_EVALUATION_MEMORY,
  DEFAULT_SCRATCH_PATH,
  EvaluationJob,
} from './evaluation-job';
import { EvaluationSandbox } from './evaluation-sandbox';
import { check, checkCpu, checkSize, cpuMillis, sizeKib } from './internal';

/** The component label value of conformance probe Jobs and pods. */
export const CONFORMANCE_PROBE_COMPONENT = 'conformance-probe';

/** Argo CD's hook annotation. */
export const ARGOCD_HOOK_ANNOTATION = 'argocd.argoproj.io/hook';
/** Argo CD's hook delete policy annotation. */
export const ARGOCD_HOOK_DELETE_POLICY_ANNOTATION = 'argocd.argoproj.io/hook-delete-policy';

/**
 * What the probe checks when `PROBE_BLOCKED` is not set; setting it replaces this list, so the
 * probe construct always writes these first. `$(KUBERNETES_SERVICE_HOST)` and
 * `$(KUBERNETES_SERVICE_PORT)` are expanded by the kubelet (the API server's service variables are
 * injected even with `enableServiceLinks: false`).
 */
export const DEFAULT_PROBE_BLOCKED: readonly string[] = [
  '169.254.169.254:80',
  '169.254.170.23:80',
  '$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)',
  'kubernetes.default.svc.cluster.local:443',
];

/**
 * What a conformance probe is told to expect: the inputs of its environment (`PROBE_*`).
 */
export interface ConformanceProbeExpectations {
  /**
   * `host:port` targets (IP literals; IPv6 as `[addr]:port`) the probe must reach over TCP
   * (`PROBE_ALLOWED`). Each must lie inside the egress allowlist on a TCP port it opens.
   *
   * @default - none
   */
  readonly allowed?: string[];

  /**
   * More `host:port` targets the probe must NOT reach, on top of {@link DEFAULT_PROBE_BLOCKED}
   * (`PROBE_BLOCKED`). An IP target inside the egress allowlist throws.
   *
   * @default - the probe's own list (instance metadata, the Kubernetes API)
   */
  readonly blocked?: string[];

  /**
   * IP addresses the pod's resolv.conf may name (`PROBE_CLUSTER_DNS`).
   *
   * @default - the probe's own rule
   */
  readonly clusterDns?: string[];

  /**
   * A name the cluster DNS must resolve (`PROBE_DNS_NAME`).
   *
   * @default - the probe's own default
   */
  readonly dnsName?: string;

  /**
   * Whether the pod may use the cluster DNS. `false` (a sandbox without `allowClusterDns`): the
   * probe checks that no nameserver answers at all (`PROBE_DNS=blocked`, check `dns:blocked`)
   * instead of resolving `dnsName` (`dns:resolve`).
   *
   * @default true - or, for a sandbox's probe, the sandbox's `allowClusterDns`
   */
  readonly clusterDnsAllowed?: boolean;

  /**
   * `ip:port` DNS resolvers outside the cluster DNS that must not answer (`PROBE_DNS_OUTSIDE`).
   *
   * @default - none
   */
  readonly dnsOutside?: string[];

  /**
   * Timeout of each network check (`PROBE_TIMEOUT_MS`).
   *
   * @default - the probe's own default
   */
  readonly timeout?: Duration;

  /**
   * Per-pod CPU overhead of the gVisor RuntimeClass. Under gVisor the whole sandbox runs in the
   * pod's cgroup, whose quota is the container's limit plus this (`PROBE_POD_OVERHEAD_CPU_MILLIS`);
   * the probe Job also counts it twice (probe and evaluation pods) when checking the quota.
   *
   * @default Cpu.millis(100) - the GvisorRuntimeClass default
   */
  readonly runtimeOverheadCpu?: kplus.Cpu;

  /**
   * Per-pod memory overhead of the gVisor RuntimeClass (`PROBE_POD_OVERHEAD_MEMORY_BYTES`; see
   * `runtimeOverheadCpu`).
   *
   * @default Size.mebibytes(128) - the GvisorRuntimeClass default
   */
  readonly runtimeOverheadMemory?: Size;

  /**
   * The egress allowlist `allowed` and `blocked` are checked against.
   *
   * @default - none: every `allowed` entry throws
   */
  readonly egress?: EgressRule[];
}

/**
 * Options for {@link SandboxConformanceProbe.environment}: the expectations plus the resources and
 * scratch path of the Job the probe runs in.
 */
export interface ConformanceProbeEnvironmentOptions extends ConformanceProbeExpectations {
  /**
   * CPU request = limit of the probe's container (`PROBE_EXPECT_CPU_MILLIS`).
   *
   * @default Cpu.units(1) - the EvaluationJob default
   */
  readonly cpu?: kplus.Cpu;

  /**
   * Memory request = limit of the probe's container (`PROBE_EXPECT_MEMORY_BYTES`).
   *
   * @default Size.gibibytes(2) - the EvaluationJob default
   */
  readonly memory?: Size;

  /**
   * The writable scratch directory (`PROBE_SCRATCH`).
   *
   * @default '/tmp' - the EvaluationJob default
   */
  readonly scratchPath?: string;
}

/**
 * Properties for {@link SandboxConformanceProbe}.
 */
export interface SandboxConformanceProbeProps extends ConformanceProbeExpectations {
  /**
   * The sandbox to check: the probe runs in its namespace, as its identity, and `allowed`/`blocked`
   * are checked against its egress allowlist (as added so far). Set this or `namespace`.
   *
   * @default - none; set `namespace` (and `serviceAccount`, `egress`)
   */
  readonly sandbox?: EvaluationSandbox;

  /**
   * Namespace to run in when there is no `sandbox`.
   *
   * @default - the sandbox's namespace
   */
  readonly namespace?: string;

  /**
   * Identity to run as when there is no `sandbox`. Its token is never mounted.
   *
   * @default - the sandbox's identity; without a sandbox, the namespace's `default` account
   */
  readonly serviceAccount?: kplus.IServiceAccount;

  /**
   * Evaluation id recorded on the probe (label `eval-sandbox.io/evaluation-id`).
   *
   * @default - the sandbox's evaluation id; without a sandbox, 'conformance-probe'
   */
  readonly evaluationId?: string;

  /**
   * The probe image, pinned by digest.
   *
   * @default PROBE_IMAGE
   */
  readonly image?: string;

  /**
   * Name of the Job.
   *
   * @default 'conformance-probe'
   */
  readonly jobName?: string;

  /**
   * CPU request = limit.
   *
   * @default Cpu.millis(250)
   */
  readonly cpu?: kplus.Cpu;

  /**
   * Memory request = limit.
   *
   * @default Size.mebibytes(256)
   */
  readonly memory?: Size;

  /**
   * Ephemeral storage request = limit (whole GiB: cdk8s-plus emits it in Gi).
   *
   * @default Size.gibibytes(1)
   */
  readonly ephemeralStorage?: Size;

  /**
   * Size limit of the scratch volume the probe writes to: memory-backed, as in every
   * EvaluationJob, so it must not exceed `memory`.
   *
   * @default Size.mebibytes(64)
   */
  readonly scratchSize?: Size;

  /**
   * `activeDeadlineSeconds`: a probe that hangs fails instead of passing late.
   *
   * @default Duration.minutes(5)
   */
  readonly activeDeadline?: Duration;

  /**
   * How long the finished Job (and the report in its pod's termination message) is kept.
   *
   * @default Duration.hours(1)
   */
  readonly ttlAfterFinished?: Duration;

  /**
   * Run the probe as an Argo CD `PostSync` hook (recreated before each sync, kept after it for
   * inspection): a failing probe fails the sync.
   *
   * @default false - a plain Job
   */
  readonly argoCdHook?: boolean;
}

interface Target {
  readonly text: string;
  readonly host: string;
  readonly port: number;
  readonly ip?: ReturnType<typeof parseStrictIp>;
}

const HOST_NAME =
  /^(?=.{1,253}$)[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$/;

/** `host:port` / `[v6]:port`, or a problem naming `field`. */
function parseTarget(field: string, text: string, needIp: boolean): Target | string {
  const fix = needIp
    ? `use 'a.b.c.d:port' or '[v6 address]:port'`
    : `use 'host:port' (an IP, '[v6 address]:port' or a DNS name)`;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(text);
  if (!m) return `${field} entry '${text}' is not host:port; ${fix}`;
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return `${field} entry '${text}' has port ${port}; use 1-65535`;
  const ip = parseStrictIp(host);
  if (m[1] !== undefined && (!ip || ip.kind() !== 'ipv6'))
    return `${field} entry '${text}' has a bracketed host that is not an IPv6 address; ${fix}`;
  if (m[2] !== undefined && ip?.kind() === 'ipv6')
    return `${field} entry '${text}' is an IPv6 address without brackets; write '[${host}]:${port}'`;
  if (!ip && needIp) return `${field} entry '${text}' must name an IP address, not a name; ${fix}`;
  if (!ip && !HOST_NAME.test(host)) return `${field} entry '${text}' has an invalid host; ${fix}`;
  return { text, host, port, ...(ip ? { ip } : {}) };
}

/** One allowlist entry, as the probe construct compares targets with it. */
interface Allow {
  readonly cidr: string;
  readonly except: readonly string[];
  readonly ports: readonly number[];
  readonly protocol: EgressProtocol;
}

function inCidr(ip: NonNullable<Target['ip']>, cidr: string): boolean {
  const parsed = parseStrictCidr(cidr);
  if (!parsed || parsed[0].kind() !== ip.kind()) return false;
  // The kinds match, so the cast only narrows the overloads for the compiler.
  return (ip as ipaddr.IPv4).match(parsed[0] as ipaddr.IPv4, parsed[1]);
}

/** The allowlist entry that lets a TCP connection to `target` out, if any. */
function allowing(target: Target, allowlist: readonly Allow[]): Allow | undefined {
  const ip = target.ip;
  if (!ip || isIpv4Mapped(ip)) return undefined;
  return allowlist.find(
    (a) =>
      inCidr(ip, a.cidr) &&
      !a.except.some((e) => inCidr(ip, e)) &&
      (a.ports.length === 0 ||
        (a.protocol === EgressProtocol.TCP && a.ports.includes(target.port))),
  );
}

function describeAllowlist(allowlist: readonly Allow[]): string {
  if (allowlist.length === 0) return 'the sandbox allows no egress';
  return `the egress allowlist is ${allowlist
    .map(
      (a) =>
        `${a.cidr} ${a.ports.length === 0 ? 'all ports' : `${a.protocol} ${a.ports.join(',')}`}`,
    )
    .join('; ')}`;
}

function fromRules(rules: readonly EgressRule[]): Allow[] {
  return rules.map((r) => ({
    cidr: r.cidr,
    except: [],
    ports: r.allowAllPorts ? [] : [...(r.ports ?? [])],
    protocol: r.protocol ?? EgressProtocol.TCP,
  }));
}

function fromPolicies(policies: readonly EgressPolicy[]): Allow[] {
  return policies.map((p) => ({
    cidr: p.cidr,
    except: p.except,
    ports: p.ports,
    protocol: p.protocol,
  }));
}

/**
 * The `PROBE_*` environment for `options`, sorted by name. Returns problems instead of throwing so
 * that callers can attach their construct path.
 */
function computeEnvironment(
  options: ConformanceProbeEnvironmentOptions,
  allowlist: readonly Allow[],
): { env: Record<string, string>; problems: string[] } {
  const problems: string[] = [];
  const cpu = options.cpu ?? DEFAULT_EVALUATION_CPU;
  const memory = options.memory ?? DEFAULT_EVALUATION_MEMORY;
  const scratchPath = options.scratchPath ?? DEFAULT_SCRATCH_PATH;
  const cpuProblem = checkCpu('cpu', cpu);
  const memoryProblem = checkSize('memory', memory);
  if (cpuProblem) problems.push(cpuProblem);
  if (memoryProblem) problems.push(memoryProblem);
  if (!scratchPath.startsWith('/') || scratchPath === '/')
    problems.push(
      `scratchPath '${scratchPath}' must be an absolute path other than '/' (for example '/tmp')`,
    );

  const parse = (field: string, entries: string[] | undefined, needIp: boolean): Target[] =>
    (entries ?? []).flatMap((text) => {
      const t = parseTarget(field, text, needIp);
      if (typeof t === 'string') {
        problems.push(t);
        return [];
      }
      return [t];
    });
  const allowed = parse('allowed', options.allowed, true);
  const blocked = parse('blocked', options.blocked, false);
  const dnsOutside = parse('dnsOutside', options.dnsOutside, true);

  for (const t of allowed) {
    if (!allowing(t, allowlist)) {
      problems.push(
        `allowed entry '${t.text}' is outside the sandbox's egress allowlist (${describeAllowlist(allowlist)}), ` +
          `so the probe would fail; open it with egress/allowEgressTo (TCP ${t.port}) or remove it from allowed`,
      );
    }
  }
  for (const t of blocked) {
    const rule = allowing(t, allowlist);
    if (rule) {
      problems.push(
        `blocked entry '${t.text}' is inside the egress allowlist entry ${rule.cidr}, so the probe would fail; ` +
          `remove it from blocked or narrow the allowlist`,
      );
    }
  }
  for (const ip of options.clusterDns ?? []) {
    if (!parseStrictIp(ip))
      problems.push(`clusterDns entry '${ip}' is not an IP address; use for example '10.100.0.10'`);
  }
  if (options.dnsName !== undefined && !HOST_NAME.test(options.dnsName.replace(/\.$/, ''))) {
    problems.push(
      `dnsName '${options.dnsName}' is not a DNS name; use for example 'kubernetes.default.svc.cluster.local'`,
    );
  }
  const timeoutMs = options.timeout?.toMilliseconds();
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1)) {
    problems.push(`timeout must be at least 1 ms; got ${timeoutMs} ms (use Duration.seconds(2))`);
  }

  const overheadCpu = options.runtimeOverheadCpu ?? DEFAULT_GVISOR_OVERHEAD_CPU;
  const overheadMemory = options.runtimeOverheadMemory ?? DEFAULT_GVISOR_OVERHEAD_MEMORY;
  const overheadCpuProblem = checkCpu('runtimeOverheadCpu', overheadCpu);
  const overheadMemoryProblem = checkSize('runtimeOverheadMemory', overheadMemory);
  if (overheadCpuProblem) problems.push(overheadCpuProblem);
  if (overheadMemoryProblem) problems.push(overheadMemoryProblem);

  const env: Record<string, string> = {
    PROBE_EXPECT_CPU_MILLIS: String(cpuMillis(cpu)),
    PROBE_EXPECT_GVISOR: 'true',
    PROBE_EXPECT_MEMORY_BYTES: String(sizeKib(memory) * 1024),
    PROBE_POD_OVERHEAD_CPU_MILLIS: String(cpuMillis(overheadCpu)),
    PROBE_POD_OVERHEAD_MEMORY_BYTES: String(sizeKib(overheadMemory) * 1024),
    PROBE_SCRATCH: scratchPath,
  };
  if (allowed.length > 0) env.PROBE_ALLOWED = allowed.map((t) => t.text).join(',');
  if (blocked.length > 0)
    env.PROBE_BLOCKED = [...DEFAULT_PROBE_BLOCKED, ...blocked.map((t) => t.text)].join(',');
  if ((options.clusterDns ?? []).length > 0)
    env.PROBE_CLUSTER_DNS = (options.clusterDns ?? []).join(',');
  if (options.dnsName !== undefined) env.PROBE_DNS_NAME = options.dnsName;
  if (options.clusterDnsAllowed === false) env.PROBE_DNS = 'blocked';
  if (dnsOutside.length > 0) env.PROBE_DNS_OUTSIDE = dnsOutside.map((t) => t.text).join(',');
  if (timeoutMs !== undefined) env.PROBE_TIMEOUT_MS = String(timeoutMs);
  const sorted = Object.fromEntries(
    Object.keys(env)
      .sort()
      .map((k) => [k, env[k]]),
  );
  return { env: sorted, problems };
}

/**
 * A conformance probe for a sandbox: a Job with exactly an evaluation's posture (it is an
 * {@link EvaluationJob}: gVisor, non-root, read-only root filesystem, no token, the sandbox
 * priority class, deadline, TTL, pod failure policy), running the digest-pinned probe image
 * (`PROBE_IMAGE`, `check`) in the sandbox's namespace as the sandbox's identity. It checks from
 * inside what the objects claim (gVisor, egress allowlist, blocked metadata and API, DNS, limits,
 * scratch) and writes a one-line JSON report to stdout and its termination message; it exits 1 on
 * any failure, which fails the Job at once.
 *
 * ```ts
 * new SandboxConformanceProbe(chart, 'Probe', {
 *   sandbox,
 *   allowed: ['10.20.0.10:443'],
 *   blocked: ['10.30.0.10:443'],
 * });
 * ```
 */
export class SandboxConformanceProbe extends Construct {
  /**
   * The `PROBE_*` environment that makes the probe image check a Job with these resources and
   * this scratch path, for running the probe as an evaluation itself (the example chart does).
   * Throws a ValidationError naming the prop and the fix.
   */
  public static environment(
    options: ConformanceProbeEnvironmentOptions = {},
  ): Record<string, string> {
    const { env, problems } = computeEnvironment(options, fromRules(options.egress ?? []));
    if (problems.length > 0)
      throw new ValidationError('SandboxConformanceProbe.environment', problems[0]);
    return env;
  }

  /**
   * The `PROBE_*` environment for a Job that already exists (its cpu, memory and scratch path),
   * checked against `egress`. Use it to verify an evaluation that runs the probe image.
   */
  public static environmentForJob(
    job: EvaluationJob,
    expectations: ConformanceProbeExpectations = {},
  ): Record<string, string> {
    return SandboxConformanceProbe.environment({
      ...expectations,
      cpu: job.cpu,
      memory: job.memory,
      scratchPath: job.scratchPath,
    });
  }

  /** The probe Job (an EvaluationJob). */
  public readonly job: EvaluationJob;
  /** The environment the probe runs with. */
  public readonly env: Record<string, string>;
  /** The Argo CD hook phase, when it runs as one. */
  public readonly argoCdHook?: string;
  /** The per-pod runtime CPU overhead assumed in the quota check. */
  public readonly runtimeOverheadCpu: kplus.Cpu;
  /** The per-pod runtime memory overhead assumed in the quota check. */
  public readonly runtimeOverheadMemory: Size;

  constructor(scope: Construct, id: string, props: SandboxConformanceProbeProps) {
    super(scope, id);
    const sandbox = props.sandbox;
    if (sandbox && (props.namespace !== undefined || props.serviceAccount !== undefined)) {
      check(
        this,
        'set either sandbox or namespace/serviceAccount, not both: the sandbox gives the namespace and identity',
      );
    }
    if (sandbox && props.egress !== undefined) {
      check(
        this,
        "egress is read from the sandbox's allowlist when sandbox is set; remove egress (add rules with sandbox.allowEgressTo)",
      );
    }
    if (sandbox && props.clusterDnsAllowed !== undefined) {
      check(
        this,
        'clusterDnsAllowed is read from the sandbox (its allowClusterDns) when sandbox is set; remove clusterDnsAllowed',
      );
    }
    if (!sandbox && props.namespace === undefined) {
      check(this, 'namespace is not set; pass sandbox (an EvaluationSandbox) or namespace');
    }
    const namespace = sandbox ? sandbox.namespace.name : (props.namespace as string);
    check(this, checkDnsLabel('namespace', namespace));

    const cpu = props.cpu ?? kplus.Cpu.millis(250);
    const memory = props.memory ?? Size.mebibytes(256);
    const scratchPath = DEFAULT_SCRATCH_PATH;
    const allowlist = sandbox
      ? fromPolicies(sandbox.namespace.egress)
      : fromRules(props.egress ?? []);
    const { env, problems } = computeEnvironment(
      {
        ...props,
        clusterDnsAllowed: sandbox ? sandbox.namespace.allowClusterDns : props.clusterDnsAllowed,
        cpu,
        memory,
        scratchPath,
      },
      allowlist,
    );
    if (problems.length > 0) check(this, problems[0]);
    this.env = env;

    this.runtimeOverheadCpu = props.runtimeOverheadCpu ?? DEFAULT_GVISOR_OVERHEAD_CPU;
    this.runtimeOverheadMemory = props.runtimeOverheadMemory ?? DEFAULT_GVISOR_OVERHEAD_MEMORY;

    this.job = new EvaluationJob(this, 'Job', {
      image: props.image ?? PROBE_IMAGE,
      evaluationId:
        props.evaluationId ??
        (sandbox ? sandbox.job.labels[EVALUATION_ID_LABEL] : CONFORMANCE_PROBE_COMPONENT),
      jobName: props.jobName ?? CONFORMANCE_PROBE_COMPONENT,
      args: ['check'],
      env,
      cpu,
      memory,
      ephemeralStorage: props.ephemeralStorage ?? Size.gibibytes(1),
      scratchSize: props.scratchSize ?? Size.mebibytes(64),
      scratchPath,
      activeDeadline: props.activeDeadline ?? Duration.minutes(5),
      ttlAfterFinished: props.ttlAfterFinished ?? Duration.hours(1),
      backoffLimit: 0,
      namespace,
      serviceAccount: sandbox ? sandbox.identity.serviceAccount : props.serviceAccount,
    });

    // Marked as a probe, not an evaluation, so orchestrators and dashboards can tell them apart.
    const component = `/${COMPONENT_LABEL.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    this.job.resource.addJsonPatch(
      JsonPatch.replace(`/metadata/labels${component}`, CONFORMANCE_PROBE_COMPONENT),
      JsonPatch.replace(`/spec/template/metadata/labels${component}`, CONFORMANCE_PROBE_COMPONENT),
    );

    if (props.argoCdHook ?? false) {
      this.argoCdHook = 'PostSync';
      this.job.resource.metadata.addAnnotation(ARGOCD_HOOK_ANNOTATION, this.argoCdHook);
      this.job.resource.metadata.addAnnotation(
        ARGOCD_HOOK_DELETE_POLICY_ANNOTATION,
        'BeforeHookCreation',
      );
    }

    if (sandbox) {
      this.checkQuota(sandbox);
      this.job.node.addDependency(sandbox.namespace.resource, sandbox.identity);
      for (const policy of sandbox.namespace.egress) this.job.node.addDependency(policy);
      sandbox.posture.recordProbe(this.job, this.argoCdHook);
    }
  }

  /**
   * The probe and the evaluation, each with the runtime overhead, must fit the quota together. A
   * memory-backed scratch is inside each Job's memory limit (EvaluationJob checks it fits) and a
   * disk scratch inside its ephemeral storage, so neither is added again.
   */
  private checkQuota(sandbox: EvaluationSandbox): void {
    const ns = sandbox.namespace;
    const evaluation = sandbox.job;
    const probe = this.job;
    const cpu =
      cpuMillis(probe.cpu) + cpuMillis(evaluation.cpu) + 2 * cpuMillis(this.runtimeOverheadCpu);
    const memory =
      sizeKib(probe.memory) + sizeKib(evaluation.memory) + 2 * sizeKib(this.runtimeOverheadMemory);
    const storage = sizeKib(probe.ephemeralStorage) + sizeKib(evaluation.ephemeralStorage);
    const mib = (kib: number) => `${kib / 1024}Mi`;
    if (cpu > cpuMillis(ns.quotaCpu)) {
      check(
        this,
        `cpu: the probe (${probe.cpu.amount}) and the evaluation (${evaluation.cpu.amount}) with the runtime overhead ` +
          `(2 x ${this.runtimeOverheadCpu.amount}) need ${cpu}m, more than the sandbox quotaCpu ${ns.quotaCpu.amount}, ` +
          `so they could not run together; lower the probe's cpu or raise the sandbox's quotaCpu`,
      );
    }
    if (memory > sizeKib(ns.quotaMemory)) {
      check(
        this,
        `memory: the probe (${probe.memory.asString()}) and the evaluation (${evaluation.memory.asString()}) with the runtime ` +
          `overhead (2 x ${this.runtimeOverheadMemory.asString()}) need ${mib(memory)}, more than the sandbox quotaMemory ` +
          `${ns.quotaMemory.asString()}; lower the probe's memory or raise the sandbox's quotaMemory`,
      );
    }
    if (storage > sizeKib(ns.quotaEphemeralStorage)) {
      check(
        this,
        `ephemeralStorage: the probe and the evaluation need ${mib(storage)}, more than the sandbox quotaEphemeralStorage ` +
          `${ns.quotaEphemeralStorage.asString()}; lower the probe's ephemeralStorage or raise quotaEphemeralStorage`,
      );
    }
    if (ns.quotaPods < 2) {
      check(
        this,
        `the sandbox quotaPods is ${ns.quotaPods}, so the probe and the evaluation cannot run together; raise quotaPods to 2 or more`,
      );
    }
  }
}
