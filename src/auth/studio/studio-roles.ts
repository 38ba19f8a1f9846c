export const STUDIO_ROLES = ["admin", "viewer"] as const;
export type StudioRole = (typeof STUDIO_ROLES)[number];

export function isStudioRole(value: unknown): value is StudioRole {
  return typeof value === "string" && (STUDIO_ROLES as readonly string[]).includes(value);
}
