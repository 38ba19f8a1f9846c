const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for any 8-4-4-4-12 hex string, i.e. exactly what Postgres accepts as `uuid` in canonical form. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
