import type { StudioRole } from "./studio-roles.js";

/** A person signed in to Studio, as the admin API sees them. */
export interface StudioUserPrincipal {
  kind: "user";
  userId: string;
  email: string;
  role: StudioRole;
}
