import type { Context } from "hono";
import { ErrorCodes, HogsendError } from "../errors.js";

/**
 * Reads a JSON body with clear 4xx errors: wrong content type 415, bad UTF-8 or malformed JSON 400. `__proto__`
 * keys stay plain data (JSON.parse never assigns prototypes) and are rejected by each route's schema.
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    throw new HogsendError(ErrorCodes.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json");
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HogsendError(ErrorCodes.INVALID_JSON, "The body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HogsendError(
      ErrorCodes.INVALID_JSON,
      `The body is not valid JSON: ${(error as Error).message}`,
    );
  }
}
