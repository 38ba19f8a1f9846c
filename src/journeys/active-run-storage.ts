import { AsyncLocalStorage } from "node:async_hooks";
import type { ActiveRun } from "./durable-effect.js";

/** Holds the executing run for standalone helpers (`sendEmail`) that must find their journey context. */
export const activeRunStorage = new AsyncLocalStorage<ActiveRun>();
