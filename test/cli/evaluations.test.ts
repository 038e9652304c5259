import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  EvaluationSpec,
  Problem,
  checkFiles,
  checkText,
  evaluationSchemaFile,
  evaluationValidator,
  fieldName,
  formatProblem,
  parseCpu,
  parseDuration,
  parseSize,
  toSandboxProps,
} from '../../cli/evaluations';
import { runRender } from '../../cli/validate';
import { EgressProtocol } from '../../constructs/k8s/egress-policy';
import { EGRESS_GATEWAY_IMAGE } from '../../constructs/shared/egress-gateway-image';

const ROOT = path.resolve(__dirname, '../..');
const DIGEST = 'a'.repeat(64);
const validate = evaluationValidator();

// Line numbers below are those of this document (1-based).
const BASE = `apiVersion: eval-sandbox.dev/v1alpha1
kind: Evaluation
metadata:
  name: swe-0001
  labels:
    team: agents
spec:
  image: registry.example.com/tasks/swe@sha256:${DIGEST}
  command: [python, -m, harness]
  args: [--task, one]
  env:
    LOG_LEVEL: info
  resources:
    cpu: "1"
    memory: 2Gi
    ephemeralStorage: 4Gi
  timeout: 1h
  retries: 0
  ttlAfterFinished: 15m
  egress:
    allow:
      - cidr: 10.20.0.0/16
        ports: [443]
`;

/** BASE with `from` replaced by `to` (which must be present). */
function variant(from: string, to: string): string {
  expect(BASE).toContain(from);
  return BASE.replace(from, to);
}

/** The problems of one text, as `line:col: field: message`. */
function problems(text: string, file = 'e.yaml'): string[] {
  return checkText(file, text, validate).problems.map((p) =>
    formatProblem(p).slice(`${file}:`.length),
  );
}

/**
 * Renders `text` as the only spec file into a fresh output folder and asserts that render refused
 * with the problem at `where` (`line:col: field:`) and wrote nothing at all.
 */
function expectNothingWritten(text: string, where: string): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'malformed-'));
  try {
    const spec = path.join(dir, 'e.yaml');
    fs.writeFileSync(spec, text);
    const err: string[] = [];
    const out = path.join(dir, 'out');
    const code = runRender([spec], { out }, { out: () => undefined, err: (l) => err.push(l) });
    expect({ code, err }).toEqual({
      code: 1,
      err: expect.arrayContaining([expect.stringContaining(`${spec}:${where} `)]),
    });
    expect(fs.readdirSync(dir)).toEqual(['e.yaml']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('evaluation specs', () => {
  test('GIVEN the base document WHEN checked THEN it is valid and renders one sandbox', () => {
    const r = checkText('e.yaml', BASE, validate);
    expect(r.problems).toEqual([]);
    expect(r.evaluations.map((e) => e.name)).toEqual(['swe-0001']);
    const kinds = parseAllDocuments(r.evaluations[0].manifest).map((d) => d.get('kind'));
    expect(kinds).toEqual(
      expect.arrayContaining(['Namespace', 'Job', 'ConfigMap', 'NetworkPolicy']),
    );
  });

  test('GIVEN the shipped examples WHEN checked THEN both are valid', () => {
    const r = checkFiles([path.join(ROOT, 'evaluations', 'example.yaml')], validate);
    expect(r.problems).toEqual([]);
    expect(r.evaluations.map((e) => e.name)).toEqual(['swe-0001', 'ctf-0001']);
  });

  test('GIVEN only the required fields WHEN checked THEN valid', () => {
    const minimal = `apiVersion: eval-sandbox.dev/v1alpha1
kind: Evaluation
metadata: {name: m}
spec:
  image: r.example.com/x@sha256:${DIGEST}
  resources: {cpu: 500m, memory: 1Gi, ephemeralStorage: 1Gi}
  timeout: 30m
`;
    expect(problems(minimal)).toEqual([]);
  });

  // Each row: one change to BASE, and the exact position and field of the problem it causes.
  test.each([
    [
      'apiVersion',
      'eval-sandbox.dev/v1alpha1',
      'v1',
      '1:13: apiVersion:',
      /'v1' is not supported; write/,
    ],
    [
      'kind',
      'kind: Evaluation',
      'kind: Job',
      '2:7: kind:',
      /'Job' is not supported; write 'Evaluation'/,
    ],
    [
      'name syntax',
      'name: swe-0001',
      'name: Swe_1',
      '4:9: metadata.name:',
      /'Swe_1' is not valid; use 1 to 50 lowercase/,
    ],
    [
      'name too long for the derived names',
      'name: swe-0001',
      `name: ${'a'.repeat(51)}`,
      '4:9: metadata.name:',
      /must fit in 63/,
    ],
    [
      'label value type',
      'team: agents',
      'team: 42',
      '6:11: metadata.labels.team:',
      /must be a string, got 42; .*quote numbers/,
    ],
    [
      'label value syntax',
      'team: agents',
      'team: a/b',
      '6:11: metadata.labels.team:',
      /'a\/b' is not valid/,
    ],
    [
      'label key syntax',
      'team: agents',
      '"bad key": x',
      "6:5: metadata.labels['bad key']:",
      /'bad key' is not a valid key; use an optional DNS prefix/,
    ],
    [
      'image by tag',
      `registry.example.com/tasks/swe@sha256:${DIGEST}`,
      'busybox:latest',
      '8:10: spec.image:',
      /'busybox:latest' is not valid; pin the image by digest/,
    ],
    [
      'command item',
      'command: [python, -m, harness]',
      'command: [python, 3]',
      '9:21: spec.command[1]:',
      /must be a string, got 3/,
    ],
    [
      'command empty',
      'command: [python, -m, harness]',
      'command: []',
      '9:12: spec.command:',
      /must not be empty/,
    ],
    [
      'args type',
      'args: [--task, one]',
      'args: --task',
      '10:9: spec.args:',
      /must be an array, got '--task'/,
    ],
    [
      'env name',
      'LOG_LEVEL: info',
      '1LEVEL: info',
      "12:5: spec.env['1LEVEL']:",
      /not starting with a digit/,
    ],
    [
      'env value',
      'LOG_LEVEL: info',
      'LOG_LEVEL: true',
      '12:16: spec.env.LOG_LEVEL:',
      /must be a string, got true; use a string \(quote/,
    ],
    [
      'cpu',
      'cpu: "1"',
      'cpu: 1 core',
      '14:10: spec.resources.cpu:',
      /'1 core' is not valid; use whole or decimal cores/,
    ],
    ['cpu zero', 'cpu: "1"', 'cpu: 0', '14:10: spec.resources.cpu:', /0 is not valid/],
    [
      'memory decimal suffix',
      'memory: 2Gi',
      'memory: 2G',
      '15:13: spec.resources.memory:',
      /'2G' is not valid; use a whole number with a binary suffix/,
    ],
    [
      'ephemeralStorage',
      'ephemeralStorage: 4Gi',
      'ephemeralStorage: lots',
      '16:23: spec.resources.ephemeralStorage:',
      /'lots' is not valid/,
    ],
    [
      'missing resource',
      '    ephemeralStorage: 4Gi\n',
      '',
      '14:5: spec.resources.ephemeralStorage:',
      /required field is missing; use a whole number/,
    ],
    [
      'timeout unit',
      'timeout: 1h',
      'timeout: 1d',
      '17:12: spec.timeout:',
      /'1d' is not valid; use a duration such as 1h/,
    ],
    [
      'timeout number',
      'timeout: 1h',
      'timeout: 3600',
      '17:12: spec.timeout:',
      /must be a string, got 3600/,
    ],
    [
      'retries',
      'retries: 0',
      'retries: 6',
      '18:12: spec.retries:',
      /6 is not valid; use a whole number from 0 to 5/,
    ],
    [
      'retries fraction',
      'retries: 0',
      'retries: 1.5',
      '18:12: spec.retries:',
      /must be an integer, got 1.5/,
    ],
    [
      'ttlAfterFinished',
      'ttlAfterFinished: 15m',
      'ttlAfterFinished: soon',
      '19:21: spec.ttlAfterFinished:',
      /'soon' is not valid/,
    ],
    [
      'egress cidr',
      'cidr: 10.20.0.0/16',
      'cidr: example.com',
      '22:15: spec.egress.allow[0].cidr:',
      /'example.com' is not valid; use a network address/,
    ],
    [
      'egress port',
      'ports: [443]',
      'ports: [443, 70000]',
      '23:22: spec.egress.allow[0].ports[1]:',
      /70000 is not valid; use a whole number from 1 to 65535/,
    ],
    [
      'egress protocol',
      'ports: [443]',
      'ports: [443]\n        protocol: ICMP',
      '24:19: spec.egress.allow[0].protocol:',
      /'ICMP' is not allowed; use one of TCP, UDP/,
    ],
    [
      'unknown spec field',
      '  timeout: 1h',
      '  timeout: 1h\n  imagePullPolicy: Always',
      '18:3: spec.imagePullPolicy:',
      /unknown field; allowed here: image, command/,
    ],
    [
      'misspelt resource',
      'memory: 2Gi',
      'memroy: 2Gi',
      '15:5: spec.resources.memroy:',
      /unknown field/,
    ],
    [
      'unknown egress field',
      'ports: [443]',
      'port: [443]',
      '23:9: spec.egress.allow[0].port:',
      /unknown field; allowed here: cidr, ports, protocol, allowAllPorts/,
    ],
  ])(
    'GIVEN a bad %s WHEN checked THEN the problem names its line, column and field',
    (_what, from, to, where, message) => {
      const found = problems(variant(from, to));
      const match = found.filter((p) => p.startsWith(`${where} `));
      expect({ found, match: match.length }).toEqual({ found, match: 1 });
      expect(match[0]).toMatch(message);
      expectNothingWritten(variant(from, to), where);
    },
  );

  test('GIVEN several mistakes in one document WHEN checked THEN every one is reported', () => {
    const text = variant('memory: 2Gi', 'memory: 2G')
      .replace('timeout: 1h', 'timeout: 1d')
      .replace('retries: 0', 'retrys: 0');
    expect(problems(text).map((p) => p.split(': ')[0])).toEqual(['15:13', '17:12', '18:3']);
  });

  test('GIVEN schema and construct mistakes in one document WHEN checked THEN both are reported', () => {
    const text = variant('retries: 0', 'retrys: 0')
      .replace('timeout: 1h', 'timeout: 24h1s')
      .replace('cidr: 10.20.0.0/16', 'cidr: 169.254.169.254/32');
    expect(problems(text)).toEqual([
      expect.stringMatching(/^17:12: spec\.timeout: '24h1s' is 86401 seconds/),
      expect.stringMatching(/^18:3: spec\.retrys: unknown field/),
      expect.stringMatching(/^22:15: spec\.egress\.allow\[0\]\.cidr: .*link-local/),
    ]);
  });

  test('GIVEN several construct mistakes WHEN checked THEN each is reported, not only the first', () => {
    const text = variant('ephemeralStorage: 4Gi', 'ephemeralStorage: 40Gi')
      .replace('registry.example.com/tasks', 'registry.example.com/Tasks')
      .replace('team: agents', 'eval-sandbox.io/task: x');
    expect(problems(text).map((p) => p.split(': ')[0] + ': ' + p.split(': ')[1])).toEqual([
      "6:5: metadata.labels['eval-sandbox.io/task']",
      '8:10: spec.image',
      '16:23: spec.resources.ephemeralStorage',
    ]);
  });

  test('GIVEN a wrong field WHEN checking goes on with a stand-in THEN no problem is made up about it', () => {
    // The memory is malformed; the scratch check against memory would be about the stand-in.
    const text = variant('memory: 2Gi', 'memory: 2G\n    scratch: 2Gi');
    expect(problems(text)).toEqual([
      expect.stringMatching(/^15:13: spec\.resources\.memory: '2G'/),
    ]);
  });

  test('GIVEN a scratch size WHEN it fits the memory THEN the tmpfs has that size; WHEN not THEN the scratch field is named', () => {
    const small = checkText(
      'e.yaml',
      variant('memory: 2Gi', 'memory: 512Mi\n    scratch: 256Mi'),
      validate,
    );
    expect(small.problems).toEqual([]);
    expect(small.evaluations[0].manifest).toMatch(/medium: Memory\n\s+sizeLimit: 256Mi/);
    expect(problems(variant('memory: 2Gi', 'memory: 2Gi\n    scratch: 3Gi'))).toEqual([
      expect.stringMatching(
        /^16:14: spec\.resources\.scratch: '3Gi' is more than memory '2Gi'; .* lower scratch or raise memory/,
      ),
    ]);
    expect(problems(variant('memory: 2Gi', 'memory: 2Gi\n    scratch: 3G'))).toEqual([
      expect.stringMatching(
        /^16:14: spec\.resources\.scratch: '3G' is not valid; use a whole number/,
      ),
    ]);
  });

  test('GIVEN a document that is not a mapping WHEN checked THEN the document is named', () => {
    expect(problems('- a\n- b\n')).toEqual([
      expect.stringMatching(/^1:1: \(document\): must be an object, got a list/),
    ]);
  });

  test('GIVEN a YAML syntax error WHEN checked THEN it is reported at its position', () => {
    const found = problems(variant('memory: 2Gi', 'memory: [2Gi'));
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatch(/^1[5-6]:\d+: yaml: /);
  });

  test('GIVEN two documents in one file WHEN the second is bad THEN its line is counted in the file', () => {
    const second = variant('timeout: 1h', 'timeout: 1d').replace('swe-0001', 'swe-0002');
    expect(problems(`${BASE}---\n${second}`)).toEqual([
      expect.stringMatching(/^41:12: spec\.timeout: '1d'/),
    ]);
  });

  describe('construct errors are problems of the document', () => {
    test.each([
      [
        'ephemeral storage over the quota',
        'ephemeralStorage: 4Gi',
        'ephemeralStorage: 40Gi',
        '16:23: spec.resources.ephemeralStorage:',
        /exceeds the sandbox quota.*lower ephemeralStorage \(an Evaluation uses the default sandbox quota\)/,
      ],
      [
        'a timeout over 24h',
        'timeout: 1h',
        'timeout: 24h1s',
        '17:12: spec.timeout:',
        /'24h1s' is 86401 seconds; use at most 24h/,
      ],
      [
        'memory below the scratch volume',
        'memory: 2Gi',
        'memory: 512Mi',
        '15:13: spec.resources.memory:',
        /'512Mi' cannot hold the 1Gi memory-backed scratch/,
      ],
      [
        'an image that is not a reference',
        `registry.example.com/tasks/swe@sha256:${DIGEST}`,
        `registry.example.com/Tasks/swe@sha256:${DIGEST}`,
        '8:10: spec.image:',
        /must be pinned by digest/,
      ],
      [
        'the metadata endpoint',
        'cidr: 10.20.0.0/16',
        'cidr: 169.254.169.254/32',
        '22:15: spec.egress.allow[0].cidr:',
        /link-local or instance-metadata/,
      ],
      [
        'a rule without ports',
        '        ports: [443]\n',
        '',
        '22:9: spec.egress.allow[0].ports:',
        /ports is empty for '10.20.0.0\/16'; list the destination ports/,
      ],
      [
        'a TTL shorter than the janitor needs',
        'ttlAfterFinished: 15m',
        'ttlAfterFinished: 5m',
        '19:21: spec.ttlAfterFinished:',
        /ttlAfterFinished must be whole seconds from 900 \(15 minutes\) up; got 300: the sandbox janitor/,
      ],
      [
        'a reserved label',
        'team: agents',
        'eval-sandbox.io/task: x',
        "6:5: metadata.labels['eval-sandbox.io/task']:",
        /may not set/,
      ],
    ])(
      'GIVEN %s WHEN checked THEN the constructs refusal is reported at the field',
      (_what, from, to, where, message) => {
        const r = checkText('e.yaml', variant(from, to), validate);
        expect(r.evaluations).toEqual([]);
        const found = r.problems.map((p) => formatProblem(p).slice('e.yaml:'.length));
        expect(found).toEqual([expect.stringMatching(message)]);
        expect(found[0].startsWith(`${where} `)).toBe(true);
        expectNothingWritten(variant(from, to), where);
      },
    );

    test('GIVEN the longest name WHEN built THEN every derived name fits', () => {
      const name = `a${'b'.repeat(48)}c`;
      const r = checkText('e.yaml', variant('name: swe-0001', `name: ${name}`), validate);
      expect(r.problems).toEqual([]);
      expect(r.evaluations[0].manifest).toContain(`name: eval-${name}-posture`);
    });
  });

  test('GIVEN the same name in two files WHEN checked THEN the second names the first', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evaluations-'));
    try {
      const a = path.join(dir, 'a.yaml');
      const b = path.join(dir, 'b.yaml');
      fs.writeFileSync(a, BASE);
      fs.writeFileSync(b, `# another run\n${BASE}`);
      const r = checkFiles([a, b], validate);
      expect(r.problems.map(formatProblem)).toEqual([
        `${b}:5:9: metadata.name: 'swe-0001' is also the name of the evaluation at ${a}:4:9; ` +
          'names must be unique across all files (each becomes the namespace sbx-swe-0001)',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('mapping to EvaluationSandboxProps', () => {
    test('GIVEN the base document WHEN mapped THEN every field reaches its prop', () => {
      const doc = parseAllDocuments(BASE)[0].toJS() as EvaluationSpec;
      const props = toSandboxProps(doc);
      expect(props.evaluationId).toBe('swe-0001');
      expect(props.provenanceLabels).toEqual({ team: 'agents' });
      expect(props.image).toBe(`registry.example.com/tasks/swe@sha256:${DIGEST}`);
      expect(props.command).toEqual(['python', '-m', 'harness']);
      expect(props.args).toEqual(['--task', 'one']);
      expect(props.env).toEqual({ LOG_LEVEL: 'info' });
      expect(props.cpu?.amount).toBe('1');
      expect(props.memory?.toMebibytes()).toBe(2048);
      expect(props.ephemeralStorage?.toGibibytes()).toBe(4);
      expect(props.activeDeadline?.toSeconds()).toBe(3600);
      expect(props.ttlAfterFinished?.toSeconds()).toBe(900);
      expect(props.backoffLimit).toBe(0);
      expect(props.egress).toEqual([
        { cidr: '10.20.0.0/16', ports: [443], protocol: undefined, allowAllPorts: undefined },
      ]);
    });

    test('GIVEN optional fields left out WHEN mapped THEN the construct defaults apply', () => {
      const doc = parseAllDocuments(BASE.split('  retries: 0\n')[0])[0].toJS() as EvaluationSpec;
      const props = toSandboxProps(doc);
      expect([props.backoffLimit, props.ttlAfterFinished, props.egress]).toEqual([
        undefined,
        undefined,
        [],
      ]);
    });

    test('GIVEN a UDP rule WHEN mapped THEN the protocol is the enum member', () => {
      const doc = parseAllDocuments(
        variant('ports: [443]', 'ports: [53]\n        protocol: UDP'),
      )[0].toJS() as EvaluationSpec;
      expect(toSandboxProps(doc).egress?.[0].protocol).toBe(EgressProtocol.UDP);
    });

    test.each([
      ['1', '1'],
      [2, '2'],
      ['1.5', '1500m'],
      [0.25, '250m'],
      ['500m', '500m'],
    ])('cpu %p is %s', (input, amount) => {
      expect(parseCpu(input).amount).toBe(amount);
    });

    test.each([
      ['1h30m', 5400],
      ['90m', 5400],
      ['45s', 45],
      ['0s', 0],
      ['24h', 86400],
    ])('duration %s is %i seconds', (text, seconds) => {
      expect(parseDuration(text).toSeconds()).toBe(seconds);
    });

    test.each([
      ['512Mi', 512 * 1024],
      ['3Ki', 3],
      ['2Gi', 2 * 1024 * 1024],
      ['1Ti', 1024 ** 3],
    ])('size %s is %i KiB', (text, kib) => {
      expect(parseSize(text).toKibibytes()).toBe(kib);
    });
  });

  describe('the schema', () => {
    const schema = JSON.parse(fs.readFileSync(evaluationSchemaFile(), 'utf8')) as Record<
      string,
      unknown
    >;

    function walk(
      node: unknown,
      at: string,
      visit: (node: Record<string, unknown>, at: string) => void,
    ): void {
      if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
      const n = node as Record<string, unknown>;
      visit(n, at);
      for (const [k, v] of Object.entries((n.properties as object | undefined) ?? {}))
        walk(v, `${at}.${k}`, visit);
      walk(n.items, `${at}[]`, visit);
      if (typeof n.additionalProperties === 'object')
        walk(n.additionalProperties, `${at}{}`, visit);
    }

    test('is the source of the code’s type: cli/evaluation-spec.generated.ts is what it generates today', () => {
      // In a child process: Prettier loads its plugins with dynamic imports, which jest's VM lacks.
      const generated = execFileSync(
        path.join(ROOT, 'node_modules', '.bin', 'tsx'),
        [path.join(ROOT, 'schemas', 'generate.ts'), '--stdout'],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(generated).toContain('export interface EvaluationSpec {');
      expect(fs.readFileSync(path.join(ROOT, 'cli', 'evaluation-spec.generated.ts'), 'utf8')).toBe(
        generated,
      );
    });

    test('is the file the package ships', () => {
      expect(evaluationSchemaFile()).toBe(path.join(ROOT, 'schemas', 'evaluation.v1alpha1.json'));
    });

    test('every object refuses unknown fields, and every field has a description', () => {
      const missing: string[] = [];
      walk(schema, '', (n, at) => {
        if (
          n.type === 'object' &&
          n.additionalProperties !== false &&
          n.propertyNames === undefined
        )
          missing.push(`${at}: additionalProperties`);
        if (at !== '' && typeof n.description !== 'string') missing.push(`${at}: description`);
      });
      expect(missing).toEqual([]);
    });

    test('every field a value can be wrong in says what is allowed', () => {
      const missing: string[] = [];
      walk(schema, '', (n, at) => {
        const leaf = n.type !== 'object' && n.type !== undefined;
        if (
          (leaf || n.const !== undefined || n.enum !== undefined) &&
          typeof n['x-allowed'] !== 'string'
        )
          missing.push(at);
      });
      expect(missing).toEqual([]);
    });
  });

  test('fieldName quotes keys that are not identifiers', () => {
    expect(fieldName(['metadata', 'labels', 'example.com/team'])).toBe(
      "metadata.labels['example.com/team']",
    );
    expect(fieldName(['spec', 'egress', 'allow', 0, 'ports', 1])).toBe(
      'spec.egress.allow[0].ports[1]',
    );
    expect(fieldName([])).toBe('(document)');
  });

  test('formatProblem is file:line:col: field: message', () => {
    const p: Problem = { file: 'f.yaml', line: 3, col: 5, field: 'spec.image', message: 'wrong' };
    expect(formatProblem(p)).toBe('f.yaml:3:5: spec.image: wrong');
  });
});

describe('spec.egress.domains (the egress gateway) and allowClusterDns', () => {
  const GATEWAY_IMAGE = `registry.example.com/egress-gateway@sha256:${'b'.repeat(64)}`;
  // Lines 24-26 of the document: the domains list starts at 25:7, its second item is at 26:9.
  const WITH_DOMAINS = `${BASE}    domains:
      - pypi.org
      - https://files.pythonhosted.org/simple
`;
  const GOOD = WITH_DOMAINS.replace(
    'https://files.pythonhosted.org/simple',
    'files.pythonhosted.org',
  );

  /** Runs `f` with the platform's gateway image set in the environment (the CLI's source of it). */
  function withGatewayImage<T>(image: string | undefined, f: () => T): T {
    const before = process.env.EVAL_SANDBOX_EGRESS_GATEWAY_IMAGE;
    if (image === undefined) delete process.env.EVAL_SANDBOX_EGRESS_GATEWAY_IMAGE;
    else process.env.EVAL_SANDBOX_EGRESS_GATEWAY_IMAGE = image;
    try {
      return f();
    } finally {
      if (before === undefined) delete process.env.EVAL_SANDBOX_EGRESS_GATEWAY_IMAGE;
      else process.env.EVAL_SANDBOX_EGRESS_GATEWAY_IMAGE = before;
    }
  }

  test('GIVEN domains and the platform image WHEN checked THEN the sandbox has a gateway and the Job the proxy variables', () => {
    const r = withGatewayImage(GATEWAY_IMAGE, () => checkText('e.yaml', GOOD, validate));
    expect(r.problems).toEqual([]);
    const objects = parseAllDocuments(r.evaluations[0].manifest).map((d) => d.toJS());
    expect(objects.filter((o) => o.kind === 'Pod').map((o) => o.spec.containers[0].image)).toEqual([
      GATEWAY_IMAGE,
    ]);
    const env = objects.find((o) => o.kind === 'Job').spec.template.spec.containers[0].env;
    expect(env.find((e: { name: string }) => e.name === 'HTTPS_PROXY').value).toMatch(
      /^http:\/\/172\.20\.[0-9]+\.[0-9]+:3128$/,
    );
    expect(objects.some((o) => o.metadata.name === 'allow-cluster-dns')).toBe(false);
  });

  test("GIVEN domains without the platform image WHEN checked THEN the gateway runs the project's reproducible image", () => {
    const r = withGatewayImage(undefined, () => checkText('e.yaml', GOOD, validate));
    expect(r.problems).toEqual([]);
    const objects = parseAllDocuments(r.evaluations[0].manifest).map((d) => d.toJS());
    expect(objects.filter((o) => o.kind === 'Pod').map((o) => o.spec.containers[0].image)).toEqual([
      EGRESS_GATEWAY_IMAGE,
    ]);
  });

  test('GIVEN a URL among the domains WHEN checked THEN its item is named with the fix', () => {
    expect(withGatewayImage(GATEWAY_IMAGE, () => problems(WITH_DOMAINS))).toEqual([
      "26:9: spec.egress.domains[1]: domains[1] 'https://files.pythonhosted.org/simple' is a URL, not a name; give only the name, such as 'files.pythonhosted.org'",
    ]);
  });

  test('GIVEN a bad domain and a bad port WHEN checked THEN both are reported', () => {
    const text = `${GOOD.replace('files.pythonhosted.org', 'PyPI.org')}    domainPorts: [443, 443]\n`;
    expect(withGatewayImage(GATEWAY_IMAGE, () => problems(text))).toEqual([
      expect.stringMatching(
        /^26:9: spec\.egress\.domains\[1\]: domains\[1\] 'PyPI\.org' has uppercase letters/,
      ),
      expect.stringMatching(
        /^27:24: spec\.egress\.domainPorts\[1\]: ports\[1\] 443 repeats ports\[0\]/,
      ),
    ]);
  });

  test('GIVEN an empty domain list or a port out of range WHEN checked THEN the schema refuses it', () => {
    expect(problems(`${BASE}    domains: []\n`)).toEqual([
      expect.stringMatching(/^24:14: spec\.egress\.domains: must not be empty/),
    ]);
    expect(problems(`${BASE}    domainPorts: [0]\n`)).toEqual([
      expect.stringMatching(/^24:\d+: spec\.egress\.domainPorts\[0\]: /),
    ]);
  });

  test('GIVEN a public CIDR WHEN checked THEN the cidr is named: the internet is reached through domains only', () => {
    expect(problems(variant('cidr: 10.20.0.0/16', 'cidr: 140.82.112.0/20'))).toEqual([
      expect.stringMatching(
        /^22:15: spec\.egress\.allow\[0\]\.cidr: cidr '140\.82\.112\.0\/20' reaches the internet, .* list the names in egressDomains instead/,
      ),
    ]);
  });

  test('GIVEN allowClusterDns WHEN mapped and rendered THEN the DNS policy is back', () => {
    const text = `${BASE}    allowClusterDns: true\n`;
    const doc = parseAllDocuments(text)[0].toJS() as EvaluationSpec;
    expect(toSandboxProps(doc).allowClusterDns).toBe(true);
    const r = checkText('e.yaml', text, validate);
    expect(r.problems).toEqual([]);
    expect(r.evaluations[0].manifest).toContain('name: allow-cluster-dns');
  });

  test('GIVEN domains WHEN mapped THEN they, the ports and the platform settings reach the props', () => {
    const doc = parseAllDocuments(
      `${GOOD}    domainPorts: [443, 80]\n`,
    )[0].toJS() as EvaluationSpec;
    const props = toSandboxProps(doc, {
      egressGatewayImage: GATEWAY_IMAGE,
      serviceCidr: '10.96.0.0/16',
    });
    expect(props).toMatchObject({
      egressDomains: ['pypi.org', 'files.pythonhosted.org'],
      egressDomainPorts: [443, 80],
      egressGatewayImage: GATEWAY_IMAGE,
      serviceCidr: '10.96.0.0/16',
    });
    expect(
      toSandboxProps(parseAllDocuments(BASE)[0].toJS() as EvaluationSpec).egressDomains,
    ).toBeUndefined();
  });
});
