import type { ApiKeyPrincipal } from "./api-key-store.js";
import type { StudioUserPrincipal } from "./studio/studio-principal.js";

export type { ApiKeyPrincipal, StudioUserPrincipal };

/** Who is calling: an API key, or a person signed in to Studio. */
export type Principal = ApiKeyPrincipal | StudioUserPrincipal;
