#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's require hook, so the CLI works without a build step.
// Before the first `npm ci` (npm start and npm test run it) no package is installed: say
// what to run in one line instead of a MODULE_NOT_FOUND stack trace.
const path = require('node:path');

try {
  require('tsx/cjs');
  require('../client/cli.ts');
} catch (error) {
  const missing = error && error.code === 'MODULE_NOT_FOUND' && /Cannot find module '([^']+)'/.exec(error.message);
  // Only a missing package means "not installed"; a missing file of ours is a bug to show in full.
  if (!missing || missing[1].startsWith('.') || path.isAbsolute(missing[1])) throw error;
  const pkg = missing[1]
    .split('/')
    .slice(0, missing[1].startsWith('@') ? 2 : 1)
    .join('/');
  const root = path.resolve(__dirname, '..');
  process.stderr.write(`giftflow: dependencies are not installed (no ${pkg}); run 'npm ci' in ${root} first\n`);
  process.exitCode = 1;
}
