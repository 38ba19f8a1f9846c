import type { JsonLimits } from "../../lib/input-guard/index.js";

/**
 * Bounds of the props a caller hands a template (`POST /v1/send`, `sendEmail`, the admin preview). They are stored
 * as given in messages.props and serialised on every render, so they must be storable and cheap to serialise.
 */
export const TEMPLATE_PROPS_LIMITS: JsonLimits = { maxDepth: 16, maxChars: 262_144 };
