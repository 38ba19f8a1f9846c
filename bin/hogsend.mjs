#!/usr/bin/env node
// The CLI from TypeScript source, for working on Hogsend in this repository (`npm run dev`, `npm start`, the
// tests' child processes). It always runs src/, never dist/, so a stale build cannot shadow an edit. The
// package's own bin is the compiled dist/main/cli.js (`npm run build`); this file is not published.
//
// tsx compiles src/ and the journeys; the "hogsend-source" export condition makes `import "hogsend"` in a
// journey (examples/) resolve to src/ as well, so journey and engine share one copy of every module.
import { register } from "node:module";
import { register as registerTsx } from "tsx/esm/api";

registerTsx();
register(
  `data:text/javascript,${encodeURIComponent(
    'export function resolve(s, c, next) { return next(s, { ...c, conditions: [...c.conditions, "hogsend-source"] }); }',
  )}`,
);
await import("../src/main/cli.ts");
