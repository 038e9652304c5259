import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { SandboxConformanceProbe } from '../constructs/k8s/conformance-probe';
import { EgressRule } from '../constructs/k8s/egress-policy';
import { EvaluationSandbox } from '../constructs/k8s/evaluation-sandbox';
import { PROBE_IMAGE } from '../constructs/shared/probe-image';

/**
 * Two example evaluations, each in its own sandbox namespace, to show the defaults and the few
 * props most users set. Both run the conformance probe image as their evaluation, so a real node
 * can run them as they are and their logs carry the probe's report; put your own digest-pinned task
 * image and arguments in its place. The probe's expectations are computed from the same props the
 * sandbox gets (resources, egress), and the stand-in targets 10.20.0.10:443 (inside the swe
 * allowlist), 10.30.0.10:443 (outside any) and the resolver 10.30.0.53:53 (not cluster DNS) are
 * the local test node's.
 */
export class ExampleSandboxChart extends Chart {
  public readonly sandboxes: EvaluationSandbox[];

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { disableResourceNameHashes: true, ...props });

    // The orchestrator that submits evaluations, and the people who review them.
    const runner = kplus.ServiceAccount.fromServiceAccountName(this, 'Runner', 'orchestrator', {
      namespaceName: 'eval-orchestrator',
    });
    const auditors = kplus.Group.fromName(this, 'Auditors', 'eval-auditors');

    // A software-engineering task that may reach an internal package mirror over HTTPS only.
    const sweEgress: EgressRule[] = [{ cidr: '10.20.0.0/16', ports: [443] }];
    const swe = new EvaluationSandbox(this, 'SweTask', {
      evaluationId: 'swe-0001',
      task: 'swe-fix-failing-test',
      model: 'example-model-v1',
      provenanceLabels: { 'eval-sandbox.io/run-group': 'nightly' },
      image: PROBE_IMAGE,
      args: ['check'],
      env: SandboxConformanceProbe.environment({
        egress: sweEgress,
        allowed: ['10.20.0.10:443'],
        blocked: ['10.30.0.10:443'],
        dnsOutside: ['10.30.0.53:53'],
        // The sandbox has no allowClusterDns: the probe checks no nameserver answers.
        clusterDnsAllowed: false,
      }),
      egress: sweEgress,
    });

    // A capture-the-flag task: no egress at all, more CPU (1.5 cores: with gVisor's 100m pod
    // overhead it still fits a 2-CPU node), a shorter deadline.
    const ctfResources = { cpu: kplus.Cpu.millis(1500), memory: Size.gibibytes(4) };
    const ctf = new EvaluationSandbox(this, 'CtfTask', {
      evaluationId: 'ctf-0002',
      task: 'ctf-web-easy',
      model: 'example-model-v1',
      image: PROBE_IMAGE,
      args: ['check'],
      env: SandboxConformanceProbe.environment({
        ...ctfResources,
        blocked: ['10.20.0.10:443', '10.30.0.10:443'],
        dnsOutside: ['10.30.0.53:53'],
        clusterDnsAllowed: false,
      }),
      ...ctfResources,
      activeDeadline: Duration.minutes(30),
    });

    this.sandboxes = [swe, ctf];
    for (const sandbox of this.sandboxes) {
      sandbox.grantRunEvaluations(runner);
      sandbox.grantAudit(auditors);
    }
  }
}
