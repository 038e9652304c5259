import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chart, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { EVALUATION_ID_LABEL, LABEL_DOMAIN, MODEL_LABEL, TASK_LABEL } from '../shared/labels';
import { GVISOR_RUNTIME_CLASS, GVISOR_RUNTIME_HANDLER } from '../shared/platform';
import { ALL_RULES } from '../../policies/k8s/rules';
import { EVALUATION_CONTAINER_NAME, EvaluationJob } from './evaluation-job';
import { check, standardLabels } from './internal';
import { SandboxNamespace } from './sandbox-namespace';

/** The `schema` field of every posture record of this version. */
export const POSTURE_RECORD_SCHEMA = 'eval-sandbox.io/posture-record/v1';

/** The ConfigMap key that holds the record. */
export const POSTURE_RECORD_KEY = 'posture.json';

/** Label on the record's ConfigMap naming the Job it describes. */
export const POSTURE_JOB_LABEL = `${LABEL_DOMAIN}/job-name`;

/**
 * Properties for {@link PostureRecord}.
 */
export interface PostureRecordProps {
  /** The evaluation Job the record describes; the ConfigMap lands in its namespace. */
  readonly job: EvaluationJob;

  /**
   * The sandbox namespace the Job runs in, whose NetworkPolicies are recorded as `network`.
   *
   * @default - `network` is null: the Job's namespace is not a SandboxNamespace of this app
   */
  readonly sandboxNamespace?: SandboxNamespace;
}

/** The probe recorded beside a record (see {@link PostureRecord.recordProbe}). */
interface RecordedProbe {
  readonly image: string;
  readonly job: string;
  readonly argoCdHook: string | null;
}

/** A JSON value: what a posture record is made of. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type K8sJson = Record<string, any>;

const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { k: 1, M: 2, G: 3, T: 4, P: 5, E: 6 };

/**
 * A canonical Kubernetes quantity (as the constructs emit them: `1500m`, `2`, `512Mi`, `4Gi`) as a
 * number of `unit`s (`1` for bytes and cores, `1000` for millicores). Anything else throws: a record
 * must never carry a guessed number.
 */
function quantityValue(quantity: string, scale = 1): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(quantity);
  if (!m) throw new Error(`'${quantity}' is not a quantity the posture record can read`);
  const [, number, suffix] = m;
  let factor = 1;
  if (suffix === 'm') factor = 1 / 1000;
  else if (suffix !== undefined && suffix in BINARY) factor = 1024 ** BINARY[suffix];
  else if (suffix !== undefined) factor = 1000 ** DECIMAL[suffix];
  return Math.round(Number(number) * factor * scale);
}

let cachedVersion: string | undefined;

/** The version of the eval-sandbox package this code belongs to (its package.json, found upwards). */
function packageVersion(start: string = __dirname): string {
  if (cachedVersion !== undefined && start === __dirname) return cachedVersion;
  for (let dir = start; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'eval-sandbox' && pkg.version) {
        if (start === __dirname) cachedVersion = pkg.version;
        return pkg.version;
      }
    }
    if (path.dirname(dir) === dir)
      throw new Error(`package.json of eval-sandbox not found above ${start}`);
  }
}

/** JSON with object keys sorted at every level (arrays keep their order): stable bytes. */
function canonicalJson(value: Json): string {
  const sort = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort(v[k])]),
      );
    }
    return v;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

/**
 * A machine-readable record of an evaluation's effective posture, beside its Job: a ConfigMap
 * `<job name>-posture` in the Job's namespace whose `posture.json` follows
 * `schemas/posture-record.v1.json`. It is computed at synth time from the objects as they are
 * emitted (patches included), so it says what the manifests do, not what the props asked for.
 *
 * {@link EvaluationSandbox} adds one to every sandbox; add one to a standalone
 * {@link EvaluationJob} yourself.
 */
export class PostureRecord extends Construct {
  /** Name of the ConfigMap (`<job name>-posture`). */
  public readonly name: string;
  /** Namespace of the ConfigMap (the Job's), when known. */
  public readonly namespace?: string;
  /** The underlying ConfigMap (escape hatch). */
  public readonly resource: kplus.k8s.KubeConfigMap;

  private readonly job: EvaluationJob;
  private readonly sandboxNamespace?: SandboxNamespace;
  private probe?: RecordedProbe;

  constructor(scope: Construct, id: string, props: PostureRecordProps) {
    super(scope, id);
    this.job = props.job;
    this.sandboxNamespace = props.sandboxNamespace;
    this.name = `${this.job.name}-posture`;
    this.namespace = this.job.resource.metadata.namespace ?? Chart.of(this.job).namespace;

    const labels: Record<string, string> = {
      ...standardLabels('posture-record'),
      [POSTURE_JOB_LABEL]: this.job.name,
    };
    for (const key of [EVALUATION_ID_LABEL, TASK_LABEL, MODEL_LABEL]) {
      if (this.job.labels[key] !== undefined) labels[key] = this.job.labels[key];
    }
    this.resource = new kplus.k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      data: {
        [POSTURE_RECORD_KEY]: Lazy.any({ produce: () => canonicalJson(this.record()) }),
      },
    });
    // The namespace (when it is a sandbox of this app) is created first.
    if (this.sandboxNamespace) this.node.addDependency(this.sandboxNamespace.resource);
  }

  /**
   * Records the conformance probe that checks this evaluation's sandbox (`probe` in the record).
   * One per record.
   *
   * @param job the probe's Job
   * @param argoCdHook the probe's Argo CD hook phase, if it runs as one
   */
  public recordProbe(job: EvaluationJob, argoCdHook?: string): void {
    if (this.probe !== undefined) {
      check(
        this,
        `a conformance probe ('${this.probe.job}') is already recorded for job '${this.job.name}'; ` +
          `create one SandboxConformanceProbe per sandbox (set argoCdHook on it to run it as a hook)`,
      );
    }
    this.probe = { image: job.image, job: job.name, argoCdHook: argoCdHook ?? null };
  }

  /** The record, as written into `posture.json`. */
  public record(): Json {
    const job: K8sJson = this.job.resource.toJson();
    const pod: K8sJson = job.spec.template.spec;
    const container: K8sJson =
      (pod.containers as K8sJson[]).find((c) => c.name === EVALUATION_CONTAINER_NAME) ??
      pod.containers[0];
    const podSc: K8sJson = pod.securityContext ?? {};
    const sc: K8sJson = container.securityContext ?? {};
    const limits: K8sJson = container.resources?.limits ?? {};
    const requests: K8sJson = container.resources?.requests ?? {};
    const labels: Record<string, string> = job.metadata.labels ?? {};

    const mount: K8sJson | undefined = (container.volumeMounts ?? []).find((m: K8sJson) =>
      (pod.volumes ?? []).some((v: K8sJson) => v.name === m.name && v.emptyDir),
    );
    const scratchVolume: K8sJson | undefined = (pod.volumes ?? []).find(
      (v: K8sJson) => v.name === mount?.name,
    );
    const bytes = (q: string): Json => ({ bytes: quantityValue(String(q)), quantity: String(q) });
    const image = String(container.image);
    const runtimeClassName: string | null = pod.runtimeClassName ?? null;

    return {
      schema: POSTURE_RECORD_SCHEMA,
      evaluation: {
        id: labels[EVALUATION_ID_LABEL],
        task: labels[TASK_LABEL] ?? null,
        model: labels[MODEL_LABEL] ?? null,
      },
      job: { name: job.metadata.name, namespace: job.metadata.namespace ?? this.namespace ?? null },
      runtime: {
        runtimeClassName,
        handler: runtimeClassName === GVISOR_RUNTIME_CLASS ? GVISOR_RUNTIME_HANDLER : null,
        priorityClassName: pod.priorityClassName ?? null,
      },
      identity: {
        serviceAccount: pod.serviceAccountName ?? 'default',
        automountServiceAccountToken: pod.automountServiceAccountToken ?? true,
      },
      network: this.sandboxNamespace ? this.network(this.sandboxNamespace) : null,
      limits: {
        cpu: {
          millicores: quantityValue(String(limits.cpu), 1000),
          quantity: String(limits.cpu),
        },
        memory: bytes(limits.memory),
        ephemeralStorage: bytes(limits['ephemeral-storage']),
        scratch: {
          bytes: quantityValue(String(scratchVolume?.emptyDir?.sizeLimit)),
          quantity: String(scratchVolume?.emptyDir?.sizeLimit),
          path: String(mount?.mountPath),
          // Memory: a tmpfs with a hard bound, charged to the memory limit; Disk: polled by the kubelet.
          medium: scratchVolume?.emptyDir?.medium === 'Memory' ? 'Memory' : 'Disk',
        },
        requestsEqualLimits: JSON.stringify(requests) === JSON.stringify(limits),
      },
      deadlineSeconds: job.spec.activeDeadlineSeconds,
      ttlSecondsAfterFinished: job.spec.ttlSecondsAfterFinished,
      backoffLimit: job.spec.backoffLimit ?? 6,
      image: { ref: image, digest: image.slice(image.indexOf('@') + 1) },
      podSecurity: {
        runAsNonRoot: (sc.runAsNonRoot ?? podSc.runAsNonRoot) === true,
        runAsUser: sc.runAsUser ?? podSc.runAsUser ?? null,
        runAsGroup: sc.runAsGroup ?? podSc.runAsGroup ?? null,
        readOnlyRootFilesystem: sc.readOnlyRootFilesystem === true,
        allowPrivilegeEscalation: sc.allowPrivilegeEscalation !== false,
        privileged: sc.privileged === true,
        capabilitiesDropped: [...(sc.capabilities?.drop ?? [])].sort(),
        capabilitiesAdded: [...(sc.capabilities?.add ?? [])].sort(),
        seccompProfile: sc.seccompProfile?.type ?? podSc.seccompProfile?.type ?? null,
        hostNetwork: pod.hostNetwork === true,
        hostPID: pod.hostPID === true,
        hostIPC: pod.hostIPC === true,
      },
      policyPack: {
        version: packageVersion(),
        rules: ALL_RULES.filter((r) => r.enabledByDefault).map((r) => r.id),
      },
      probe: this.probe ? { ...this.probe } : null,
    };
  }

  private network(ns: SandboxNamespace): Json {
    const deny: K8sJson = ns.denyAllPolicy.toJson().spec;
    const selectsAll = Object.keys(deny.podSelector ?? {}).length === 0;
    const types: string[] = deny.policyTypes ?? [];
    const denies = (type: string) =>
      selectsAll && types.includes(type) && !deny[type.toLowerCase()];

    const egress: Json[] = [];
    for (const policy of ns.egress) {
      const obj: K8sJson = policy.resource.toJson();
      for (const rule of obj.spec.egress ?? []) {
        const ports: K8sJson[] = rule.ports ?? [];
        for (const peer of rule.to ?? []) {
          if (!peer.ipBlock) continue;
          egress.push({
            policy: obj.metadata.name,
            cidr: peer.ipBlock.cidr,
            except: [...(peer.ipBlock.except ?? [])],
            ports: ports.map((p) => Number(p.port)),
            protocol: ports.length > 0 ? (ports[0].protocol ?? 'TCP') : null,
            allPorts: ports.length === 0,
          });
        }
      }
    }

    const base = {
      defaultDenyIngress: denies('Ingress'),
      defaultDenyEgress: denies('Egress'),
      egress,
    };
    // No DNS policy (the default since issue 14): the sandbox resolves no names.
    if (ns.dnsPolicy === undefined) return { ...base, dns: null };
    const dns: K8sJson = ns.dnsPolicy.toJson();
    const [dnsRule] = dns.spec.egress;
    const [peer] = dnsRule.to;
    return {
      ...base,
      dns: {
        policy: dns.metadata.name,
        namespace: Object.values(peer.namespaceSelector?.matchLabels ?? {}).join(','),
        podLabels: { ...(peer.podSelector?.matchLabels ?? {}) },
        ports: (dnsRule.ports ?? []).map((p: K8sJson) => ({
          port: p.port,
          protocol: p.protocol ?? 'TCP',
        })),
      },
    };
  }
}
