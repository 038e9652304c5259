import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { evaluationSchemaFile, evaluationValidator } from '../../cli/evaluations';

const ROOT = path.resolve(__dirname, '../..');

describe('the generated evaluation validator', () => {
  test('cli/evaluation-validator.generated.ts is what `npm run generate` writes today', () => {
    // In a child process: Prettier loads its plugins with dynamic imports, which jest's VM lacks.
    const generated = execFileSync(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(ROOT, 'schemas', 'generate.ts'), '--stdout-validator'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(generated).toContain('export default validate');
    expect(
      fs.readFileSync(path.join(ROOT, 'cli', 'evaluation-validator.generated.ts'), 'utf8'),
    ).toBe(generated);
  });

  test('GIVEN mutations of the examples WHEN validated THEN it answers, with the same errors, as the schema compiled now', () => {
    const generated = evaluationValidator();
    const compiled = evaluationValidator(evaluationSchemaFile());
    expect(compiled).not.toBe(generated);
    const examples = parseAllDocuments(
      fs.readFileSync(path.join(ROOT, 'evaluations', 'example.yaml'), 'utf8'),
    ).map((d) => d.toJS() as unknown);
    const replacements: unknown[] = [
      ...[null, 0, -1, 1.5, 70000, true, [], {}, ['a'], { a: 1 }],
      ...['', 'x', 'UPPER', '0', '1h', '512Mi', '10.0.0.0/8', 'TCP', 'ICMP', 'a'.repeat(80)],
    ];
    const clone = <T>(x: T): T => structuredClone(x);

    /** Every path into `value` (keys and indexes). */
    function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
      const out = [at];
      if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          out.push(...paths(v, [...at, Array.isArray(value) ? Number(k) : k]));
        }
      }
      return out;
    }
    /** `doc` with `change` applied to the parent of `at`. */
    function mutate(
      doc: unknown,
      at: (string | number)[],
      change: (parent: Record<string | number, unknown>, key: string | number) => void,
    ): unknown {
      const copy = clone(doc);
      let parent = copy as Record<string | number, unknown>;
      for (const seg of at.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
      change(parent, at[at.length - 1]);
      return copy;
    }

    const docs: unknown[] = [...examples, ...replacements];
    for (const example of examples) {
      for (const at of paths(example).filter((p) => p.length > 0)) {
        for (const r of replacements) docs.push(mutate(example, at, (p, k) => (p[k] = clone(r))));
        docs.push(mutate(example, at, (p, k) => Reflect.deleteProperty(p, k)));
        docs.push(
          mutate(example, at.concat('extra-Key!'), (p, k) => {
            if (p !== null && typeof p === 'object' && !Array.isArray(p)) p[k] = 1;
          }),
        );
      }
    }
    const mismatches: unknown[] = [];
    let invalid = 0;
    for (const doc of docs) {
      const ok = generated(doc);
      const okNow = compiled(doc);
      if (!ok) invalid++;
      if (ok !== okNow || !isDeepStrictEqual(generated.errors, compiled.errors))
        mismatches.push({ doc, generated: generated.errors, compiled: compiled.errors });
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
    expect(docs.length).toBeGreaterThan(900);
    expect(invalid).toBeGreaterThan(700);
  });
});
