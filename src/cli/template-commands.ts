import { writeFile } from "node:fs/promises";
import type { Config } from "../config.js";
import { createRenderTemplate } from "../email/templates/render-template.js";
import { ErrorCodes, HogsendError } from "../errors.js";
import { examplesConfigPath } from "../project/examples-config.js";
import { loadProject } from "../project/load-project.js";

export interface ProjectOptions {
  config?: string;
  journeys?: string;
}

/**
 * `hogsend templates preview KEY [--props JSON] [--text] [--out FILE]`: renders a template with the
 * given props (default: its example props) and writes the HTML (or plain text) to FILE or stdout.
 */
export async function previewTemplateCommand(
  config: Config,
  key: string,
  options: ProjectOptions & { props?: string; text?: boolean; out?: string },
): Promise<void> {
  const { templates } = await loadProject({
    configPath: options.config ?? config.configFile,
    fallbackConfigPath: examplesConfigPath(),
  });
  const template = templates.get(key);
  let props: unknown = template.previewProps ?? {};
  if (options.props !== undefined) {
    try {
      props = JSON.parse(options.props);
    } catch (error) {
      throw new HogsendError(
        ErrorCodes.VALIDATION_FAILED,
        `--props is not valid JSON: ${(error as Error).message}`,
      );
    }
  }
  const rendered = await createRenderTemplate(templates)(key, props);
  const output = options.text ? rendered.text : rendered.html;
  if (options.out) {
    await writeFile(options.out, output);
    process.stderr.write(`Wrote ${key} (${template.category}) to ${options.out}\n`);
  } else {
    process.stdout.write(`${output}\n`);
  }
}

/** `hogsend templates list`: key, category and description of every registered template. */
export async function listTemplatesCommand(config: Config, options: ProjectOptions = {}): Promise<void> {
  const { templates } = await loadProject({
    configPath: options.config ?? config.configFile,
    fallbackConfigPath: examplesConfigPath(),
  });
  for (const template of templates.list()) {
    process.stdout.write(
      `${template.key.padEnd(28)} ${template.category.padEnd(14)} ${template.description ?? ""}\n`,
    );
  }
}
