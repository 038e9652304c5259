import { App, Chart, Yaml } from 'cdk8s';
import * as fc from 'fast-check';
import { buildApp } from '../../charts/app';
import { documentYaml, manifestYaml, writtenDirectly } from '../../cli/manifest-yaml';
import { EvaluationSandbox } from '../../constructs/k8s/evaluation-sandbox';

/** Characters that decide how YAML writes a string: indicators, blanks, breaks, digits, quotes. */
const TRICKY = [
  ...'abcxyYnNoOeE019_./@+=-:?#&*!|>%`,[]{}<~\'" \t\n',
  '\r',
  '\u0007',
  '\u0085',
  'é',
  '😀',
];

/** Strings made of the tricky characters, and words every YAML 1.1 type claims. */
const trickyString = fc.oneof(
  fc.string({ unit: fc.constantFrom(...TRICKY), maxLength: 12 }),
  fc.constantFrom(
    '',
    'yes',
    'No',
    'on',
    'OFF',
    'y',
    'n',
    '~',
    'null',
    'Null',
    'true',
    'FALSE',
    '0',
    '-1',
    '012',
    '0x1F',
    '0b101',
    '1_000',
    '1:30',
    '1:30.5',
    '1e3',
    '.5',
    '.inf',
    '-.Inf',
    '.NaN',
    '2001-12-14',
    '2001-12-14t21:59:43.10-05:00',
    '<<',
    '---',
    '---x',
    '...',
    '%YAML',
    'a: b',
    'a:b',
    'a:',
    '- a',
    '-',
    '?',
    '? a',
    'a #b',
    'a#b',
    "it's",
    'say "hi"',
    `both ' and "`,
    'x'.repeat(1100),
  ),
);

/** Multi-line strings: the block scalars (`|`, `|-`, `|2`) and the forms left to the library. */
const multiLine = fc
  .array(fc.oneof(trickyString, fc.constantFrom('', ' ', '  indented', '\t')), {
    minLength: 2,
    maxLength: 5,
  })
  .map((lines) => lines.join('\n'));

const scalar = fc.oneof(
  { weight: 4, arbitrary: trickyString },
  { weight: 2, arbitrary: multiLine },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(0.5, -0, 1e21, 2 ** 60, Number.NaN, Infinity) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
);

const { value: jsonLike } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(trickyString, tie('value'), { maxKeys: 4 }),
  ),
}));

const document = fc.oneof(
  fc.dictionary(trickyString, jsonLike, { maxKeys: 6 }),
  fc.array(jsonLike, { maxLength: 4 }),
);

describe('manifest YAML', () => {
  test('any document is written byte for byte as cdk8s writes it (property, 3,000 documents)', () => {
    let direct = 0;
    fc.assert(
      fc.property(document, (doc) => {
        const want = Yaml.stringify(doc);
        const fast = writtenDirectly(doc);
        if (fast !== undefined) direct++;
        expect(fast ?? want).toBe(want);
        expect(documentYaml(doc)).toBe(want);
      }),
      { seed: 20260514, numRuns: 3000 },
    );
    // Most documents take the direct path, or the comparison above proves little.
    expect(direct).toBeGreaterThan(1000);
  });

  test.each([
    ['a top-level list', [1, 'two', { three: 3 }, [], {}, [['nested']]]],
    ['empty collections as values', { a: {}, b: [], c: [{}], d: [[]] }],
    ['a list of mappings', { items: [{ a: 1, b: [1, 2] }, { c: { d: 'e' } }] }],
    ['a list of lists', { m: [[1, [2, 3]], []] }],
    [
      'block scalars',
      { a: 'x\ny\n', b: 'x\ny', c: '  x\ny\n', d: 'x\n\n\ny', e: { f: ['p\nq\n'] } },
    ],
    ['block scalar forms left to the library', { a: 'x\n\n', b: '\nx', c: 'x\n  ', d: '\n' }],
    ['document markers', { '---': '---', '...x': '...x', nested: { '---': 1, '%x': '%x' } }],
    ['keys that need quotes', { '': 1, 'a: b': 2, '#': 3, yes: 4, '1': 5, '<<': 6, "'": 7 }],
    ['undefined and null', { a: undefined, b: null, c: [undefined, null] }],
    ['a long key', { ['k'.repeat(1030)]: 1 }],
  ])('%s: as cdk8s writes it', (_name, doc) => {
    expect(documentYaml(doc)).toBe(Yaml.stringify(doc));
  });

  test('an object used twice is aliased by the library, so that document is left to it', () => {
    const shared = { a: 1 };
    const doc = { x: shared, y: shared };
    expect(writtenDirectly(doc)).toBeUndefined();
    expect(documentYaml(doc)).toBe(Yaml.stringify(doc));
    expect(documentYaml(doc)).toContain('*a1');
  });

  test('documents are separated as cdk8s separates them, an undefined one included', () => {
    const docs = [{ a: 1 }, undefined, { b: ['c'] }];
    expect(manifestYaml(docs)).toBe(Yaml.stringify(...docs));
  });

  test('every synthesized object of the charts and of a sandbox takes the direct path', () => {
    const app = buildApp('unused');
    const sandboxApp = new App();
    const chart = new Chart(sandboxApp, 'Evaluation', { disableResourceNameHashes: true });
    new EvaluationSandbox(chart, 'Sandbox', {
      evaluationId: 'direct-path',
      image: `registry.example.com/tasks/x@sha256:${'a'.repeat(64)}`,
      egressDomains: ['pypi.org'],
    });
    const docs = [...app.charts, chart].flatMap((c) => Object.values(c.toJson()));
    expect(docs.length).toBeGreaterThan(50);
    const left = docs.filter((d) => writtenDirectly(d) === undefined);
    expect(left).toEqual([]);
    expect(manifestYaml(docs)).toBe(Yaml.stringify(...docs));
  });
});
