import { templates } from "../../examples/emails/index.js";
import { createTemplateRegistry } from "../../src/email/templates/template-registry.js";

/** The examples' templates as a registry: what tests that send example emails hand to `createApp`. */
export const exampleTemplates = createTemplateRegistry(templates);
