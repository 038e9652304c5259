import { SandboxPriorityClass } from '../../../constructs/k8s/sandbox-priority-class';
import { PolicyEvaluator } from '../../../policies/k8s/evaluate';
import { workload } from '../../../policies/k8s/fixtures/workloads';
import { expectSchemaValid, expectValidationError, newChart, only, synth } from '../../support/k8s';

describe('SandboxPriorityClass', () => {
  test('GIVEN no props THEN it is eval-sandbox-sandbox, value 0, never preempting, not the global default', () => {
    const chart = newChart();
    const pc = new SandboxPriorityClass(chart, 'Priority');
    const objects = synth(chart);
    const obj = only(objects, 'PriorityClass');
    expect(obj.apiVersion).toBe('scheduling.k8s.io/v1');
    expect(obj.metadata.name).toBe('eval-sandbox-sandbox');
    expect(obj.value).toBe(0);
    expect(obj.preemptionPolicy).toBe('Never');
    expect(obj.globalDefault).toBe(false);
    expect(pc.name).toBe('eval-sandbox-sandbox');
    expect(pc.value).toBe(0);
    expectSchemaValid(objects);
  });

  test('GIVEN a lower value THEN it is emitted', () => {
    const chart = newChart();
    new SandboxPriorityClass(chart, 'Priority', { value: -100 });
    expect(only(synth(chart), 'PriorityClass').value).toBe(-100);
  });

  test.each([1_000_000_001, 1.5])('GIVEN value %p THEN it throws naming the bound', (value) => {
    expectValidationError(
      () => new SandboxPriorityClass(newChart(), 'Priority', { value }),
      /^test\/Priority: value must be a whole number from -2147483648 to 1000000000; got /,
    );
  });

  test('the admission pack admits its name and refuses a critical class', () => {
    const evaluator = PolicyEvaluator.forPack();
    const job = workload('Job', 'j');
    job.spec.template.spec.priorityClassName = new SandboxPriorityClass(newChart(), 'P').name;
    expect(evaluator.evaluate(job).admitted).toBe(true);
    job.spec.template.spec.priorityClassName = 'system-node-critical';
    expect(evaluator.evaluate(job).violations.map((v) => v.rule)).toEqual([
      'SBX-R11-priority-class',
    ]);
  });
});
