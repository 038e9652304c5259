import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { EvaluationSandbox } from '../constructs/k8s/evaluation-sandbox';

/**
 * Two example evaluations, each in its own sandbox namespace, to show the defaults and the few
 * props most users set. The image digests are placeholders for your own task images.
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
    const swe = new EvaluationSandbox(this, 'SweTask', {
      evaluationId: 'swe-0001',
      task: 'swe-fix-failing-test',
      model: 'example-model-v1',
      provenanceLabels: { 'eval-sandbox.io/run-group': 'nightly' },
      image:
        'registry.example.com/tasks/swe-fix-failing-test@sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904a1a2e4e5f5b1c3a7d2e6f901',
      args: ['--task', 'fix-failing-test'],
      egress: [{ cidr: '10.20.0.0/16', ports: [443] }],
    });

    // A capture-the-flag task: no egress at all, more CPU, a shorter deadline.
    const ctf = new EvaluationSandbox(this, 'CtfTask', {
      evaluationId: 'ctf-0002',
      task: 'ctf-web-easy',
      model: 'example-model-v1',
      image:
        'registry.example.com/tasks/ctf-web-easy@sha256:9f2c1e0d8b7a6f5e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d',
      cpu: kplus.Cpu.units(2),
      memory: Size.gibibytes(4),
      activeDeadline: Duration.minutes(30),
    });

    this.sandboxes = [swe, ctf];
    for (const sandbox of this.sandboxes) {
      sandbox.grantRunEvaluations(runner);
      sandbox.grantAudit(auditors);
    }
  }
}
