// `npm run generate`: writes the fixture catalogue and docs/policies.md from the rule sources.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderPolicyDocs } from './docs';
import { writeFixtures } from './k8s/fixtures/write';

const root = path.resolve(__dirname, '..');
const count = writeFixtures(path.join(root, 'policies', 'k8s'));
fs.writeFileSync(path.join(root, 'docs', 'policies.md'), renderPolicyDocs());
console.log(`wrote ${count} fixtures under policies/k8s/ and docs/policies.md`);
