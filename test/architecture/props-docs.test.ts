// Every prop of an exported Props/Options interface is documented, and every optional one says
// what happens when it is left out (`@default`), as CLAUDE.md asks of a construct.
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');
const FOLDERS = ['constructs/aws', 'constructs/k8s', 'constructs/shared', 'charts', 'stacks'];

interface Finding {
  readonly where: string;
  readonly problem: string;
}

function findings(file: string): Finding[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Finding[] = [];
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node)) return;
    const exported = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported || !/(Props|Options)$/.test(node.name.text)) return;
    for (const member of node.members) {
      if (!ts.isPropertySignature(member)) continue;
      const where = `${file}: ${node.name.text}.${member.name.getText(source)}`;
      const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
      if (docs.length === 0) {
        out.push({ where, problem: 'no doc comment' });
        continue;
      }
      const hasDefault = docs.some((d) => (d.tags ?? []).some((t) => t.tagName.text === 'default'));
      if (member.questionToken && !hasDefault)
        out.push({ where, problem: 'optional without @default' });
    }
  });
  return out;
}

const files = FOLDERS.flatMap((folder) =>
  fs
    .readdirSync(path.join(ROOT, folder))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.generated.ts'))
    .map((f) => `${folder}/${f}`),
);

describe('construct props', () => {
  test('GIVEN the construct folders THEN there are Props interfaces to check', () => {
    const count = files
      .map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8'))
      .join('\n')
      .match(/export interface \w+(Props|Options) /g);
    expect((count ?? []).length).toBeGreaterThan(20);
  });

  test('GIVEN every exported Props/Options interface THEN each prop is documented and each optional one has @default', () => {
    expect(files.flatMap(findings)).toEqual([]);
  });

  test('GIVEN a prop without docs or an optional one without @default THEN the check reports it', () => {
    const dir = fs.mkdtempSync(path.join(ROOT, 'test', 'architecture', '.tmp-'));
    try {
      const file = path.relative(ROOT, path.join(dir, 'x.ts'));
      fs.writeFileSync(
        path.join(ROOT, file),
        'export interface XProps {\n  readonly a: string;\n  /** Documented. */\n  readonly b?: string;\n}\n',
      );
      expect(findings(file)).toEqual([
        { where: `${file}: XProps.a`, problem: 'no doc comment' },
        { where: `${file}: XProps.b`, problem: 'optional without @default' },
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
