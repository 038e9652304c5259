// @ts-check
// Removes the run's temporary folder (see global-setup.js).
const fs = require('node:fs');

module.exports = async function globalTeardown() {
  const dir = process.env.EVAL_SANDBOX_TEST_TMPDIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
