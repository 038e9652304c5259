#!/usr/bin/env node
// Thin launcher: the CLI is compiled to lib/ by `npm run build` (run by `npm ci` through `prepare`).
require('../lib/cli/main.js')
  .main(process.argv)
  .catch((err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 2;
  });
