/**
 * A response body for assertions. Tests assert on it field by field with `expect`, which is what checks its shape,
 * so the static type is deliberately loose.
 */
// biome-ignore lint/suspicious/noExplicitAny: the assertions, not the type, check the body
export async function readJson(res: Response): Promise<any> {
  return res.json();
}
