#!/usr/bin/env node
// The `agon` executable: a thin shell around main() so everything testable lives in main.ts.
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // An unexpected failure: keep the stack, it is a bug report.
    console.error(e);
    process.exitCode = 70;
  },
);
