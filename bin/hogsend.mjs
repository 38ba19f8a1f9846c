#!/usr/bin/env node
// The CLI runs from TypeScript source through tsx because journeys are user-authored .ts modules that the
// worker imports at run time (`--journeys ./src/journeys/index.ts`); one loader serves both.
import { register } from "tsx/esm/api";

register();
await import("../src/main/cli.ts");
