#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's require hook, so the CLI works without a build step.
require('tsx/cjs');
require('../client/cli.ts');
