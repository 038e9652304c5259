import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import {
  CATALOGUE,
  EXPECT_ANNOTATION,
  REQUEST_FIXTURES,
  requestOptions,
  ruleFolder,
} from '../../../policies/k8s/fixtures/catalogue';
import { renderFixtures } from '../../../policies/k8s/fixtures/write';
import { PolicyEvaluator } from '../../../policies/k8s/evaluate';
import { ALL_RULES } from '../../../policies/k8s/rules';
import { schemaErrors } from '../../support/k8s';

const POLICIES = path.resolve(__dirname, '../../../policies/k8s');

function fixtureFiles(): string[] {
  const out: string[] = [];
  for (const rule of fs.readdirSync(POLICIES)) {
    for (const verdict of ['good', 'bad']) {
      const dir = path.join(POLICIES, rule, verdict);
      if (fs.existsSync(dir))
        for (const f of fs.readdirSync(dir)) out.push(path.join(rule, verdict, f));
    }
  }
  return out.sort();
}

const FILES = fixtureFiles();
const evaluator = PolicyEvaluator.forPack();

describe('fixture catalogue', () => {
  test('the files are what the catalogue generates (run `npm run generate`)', () => {
    const rendered = renderFixtures();
    expect(FILES).toEqual([...rendered.keys()].sort());
    for (const [file, content] of rendered)
      expect(fs.readFileSync(path.join(POLICIES, file), 'utf8')).toBe(content);
  });

  test('holds at least 40 attacks, across every workload kind and every default rule', () => {
    const attacks = CATALOGUE.filter((c) => c.verdict === 'bad');
    expect(attacks.length).toBeGreaterThanOrEqual(40);
    const attackKinds = new Set(attacks.map((c) => c.object.kind));
    for (const kind of [
      'Pod',
      'Job',
      'CronJob',
      'Deployment',
      'StatefulSet',
      'ReplicaSet',
      'DaemonSet',
      'Service',
      'NetworkPolicy',
    ])
      expect(attackKinds).toContain(kind);
    for (const id of ALL_RULES.filter((r) => r.enabledByDefault).map((r) => r.id)) {
      expect(attacks.filter((c) => c.rule === id).length).toBeGreaterThan(0);
    }
    for (const kind of ['Pod', 'Job', 'CronJob', 'Deployment', 'StatefulSet', 'ReplicaSet']) {
      expect(CATALOGUE.some((c) => c.verdict === 'good' && c.object.kind === kind)).toBe(true);
    }
  });

  test.each(REQUEST_FIXTURES.map((c) => [`${ruleFolder(c.rule)}/${c.verdict}/${c.name}`, c]))(
    'request fixture %s gets its answer, and only from its own rule',
    (_name, c) => {
      expect(schemaErrors(c.object)).toBeUndefined();
      if (c.request?.oldObject) expect(schemaErrors(c.request.oldObject)).toBeUndefined();
      const verdictOf = evaluator.evaluate(c.object, requestOptions(c));
      if (c.verdict === 'good') {
        expect(verdictOf).toEqual({ admitted: true, violations: [] });
      } else {
        expect(verdictOf.admitted).toBe(false);
        for (const v of verdictOf.violations) {
          expect(v.rule).toBe(c.rule);
          expect(v.message).toMatch(/^(spec|metadata|kind|type|subjects)[A-Za-z0-9.[\], /-]*: /);
          expect(v.message.endsWith(`[${c.rule}]`)).toBe(true);
        }
      }
    },
  );

  test('request fixtures cover updates, deletes, subresources and other identities', () => {
    const ops = new Set(REQUEST_FIXTURES.map((c) => c.request?.operation ?? 'CREATE'));
    expect(ops).toEqual(new Set(['CREATE', 'UPDATE', 'DELETE']));
    const subresources = new Set(REQUEST_FIXTURES.map((c) => c.request?.subresource));
    for (const s of ['status', 'finalize', 'ephemeralcontainers'])
      expect(subresources).toContain(s);
    const identities = new Set(REQUEST_FIXTURES.map((c) => c.request?.as ?? 'platform'));
    expect(identities).toEqual(new Set(['platform', 'attacker', 'controller']));
  });

  test.each(FILES)('%s is a valid Kubernetes object', (file) => {
    expect(schemaErrors(parse(fs.readFileSync(path.join(POLICIES, file), 'utf8')))).toBeUndefined();
  });

  test.each(FILES)(
    '%s gets the answer it is annotated with, and only from its own rule',
    (file) => {
      const object = parse(fs.readFileSync(path.join(POLICIES, file), 'utf8'));
      const expected: string = object.metadata.annotations[EXPECT_ANNOTATION];
      const [folder, verdict] = file.split(path.sep);
      const verdictOf = evaluator.evaluate(object);
      if (verdict === 'good') {
        expect(expected).toBe('admitted');
        expect(verdictOf).toEqual({ admitted: true, violations: [] });
      } else {
        expect(ruleFolder(expected)).toBe(folder);
        expect(verdictOf.admitted).toBe(false);
        expect(verdictOf.violations.length).toBeGreaterThan(0);
        for (const v of verdictOf.violations) {
          expect(v.rule).toBe(expected);
          // Messages start with the field path and end with the rule id.
          expect(v.message).toMatch(/^(spec|metadata|kind|type|subjects)[A-Za-z0-9.[\], /-]*: /);
          expect(v.message.endsWith(`[${expected}]`)).toBe(true);
        }
      }
    },
  );
});
