import { defineConfig } from "hogsend";
import { templates } from "./emails/index.js";
import { journeys } from "./journeys/index.js";

/**
 * The examples as a project: what `hogsend dev` runs in this repository when no other config is given. A project
 * of your own has the same file at its root (`hogsend init` writes one).
 */
export default defineConfig({ journeys, templates });
