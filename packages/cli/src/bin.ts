#!/usr/bin/env node
/** Entry point of the `dkl` command (see program.ts). */
import { main } from './program.js';

void main().then((code) => {
  process.exitCode = code;
});
