import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { GvisorRuntimeClass } from '../../../constructs/k8s/gvisor-runtime-class';
import {
  SANDBOX_NODE_LABEL,
  SANDBOX_NODE_LABEL_VALUE,
  SANDBOX_NODE_TAINT_EFFECT,
  SANDBOX_NODE_TAINT_KEY,
  SANDBOX_NODE_TAINT_VALUE,
} from '../../../constructs/shared/labels';
import { expectValidationError, newChart, only, synth } from '../../support/k8s';

describe('GvisorRuntimeClass', () => {
  test('GIVEN no props WHEN synthesized THEN it is the gvisor class with handler runsc on the tainted pool', () => {
    const chart = newChart();
    const rc = new GvisorRuntimeClass(chart, 'RuntimeClass');
    const obj = only(synth(chart), 'RuntimeClass');

    expect(obj.apiVersion).toBe('node.k8s.io/v1');
    expect(obj.metadata.name).toBe('gvisor');
    expect(obj.handler).toBe('runsc');
    expect(rc.name).toBe('gvisor');
    expect(rc.handler).toBe('runsc');
    expect(obj.scheduling).toEqual({
      nodeSelector: { [SANDBOX_NODE_LABEL]: SANDBOX_NODE_LABEL_VALUE },
      tolerations: [
        {
          key: SANDBOX_NODE_TAINT_KEY,
          operator: 'Equal',
          value: SANDBOX_NODE_TAINT_VALUE,
          effect: SANDBOX_NODE_TAINT_EFFECT,
        },
      ],
    });
  });

  test('GIVEN no props THEN the pod overhead defaults to 100m CPU and 128Mi memory', () => {
    const chart = newChart();
    const rc = new GvisorRuntimeClass(chart, 'RuntimeClass');
    expect(only(synth(chart), 'RuntimeClass').overhead).toEqual({
      podFixed: { cpu: '100m', memory: '128Mi' },
    });
    expect(rc.overheadCpu.amount).toBe('100m');
    expect(rc.overheadMemory.asString()).toBe('128Mi');
  });

  test('GIVEN a custom overhead THEN it is emitted', () => {
    const chart = newChart();
    new GvisorRuntimeClass(chart, 'RuntimeClass', {
      overheadCpu: Cpu.millis(250),
      overheadMemory: Size.mebibytes(256),
    });
    expect(only(synth(chart), 'RuntimeClass').overhead.podFixed).toEqual({
      cpu: '250m',
      memory: '256Mi',
    });
  });

  test.each([
    [
      'zero CPU',
      { overheadCpu: Cpu.millis(0) },
      /RuntimeClass: overheadCpu must be a positive whole number of millicores; got '0m'/,
    ],
    [
      'fractional millicores',
      { overheadCpu: Cpu.millis(0.5) },
      /overheadCpu must be a positive whole number/,
    ],
    [
      'zero memory',
      { overheadMemory: Size.mebibytes(0) },
      /RuntimeClass: overheadMemory must be a positive size; got '0Mi'/,
    ],
  ])(
    'GIVEN %s THEN it throws a ValidationError with the construct path',
    (_what, props, message) => {
      const err = expectValidationError(
        () => new GvisorRuntimeClass(newChart(), 'RuntimeClass', props),
        message,
      );
      expect(err.path).toMatch(/\/RuntimeClass$/);
    },
  );

  test('snapshot', () => {
    const chart = newChart();
    new GvisorRuntimeClass(chart, 'RuntimeClass');
    expect(synth(chart)).toMatchSnapshot();
  });
});
