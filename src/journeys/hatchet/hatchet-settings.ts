/**
 * How to reach a Hatchet engine: the spec's env contract (HATCHET_CLIENT_TOKEN, HATCHET_CLIENT_HOST_PORT,
 * HATCHET_CLIENT_TLS_STRATEGY, HATCHET_CLIENT_NAMESPACE), parsed once by the config schema. The token is a JWT that
 * also names the tenant and the REST address; `hostPort` overrides its gRPC address.
 */
export interface HatchetSettings {
  token: string;
  hostPort?: string | undefined;
  /** `tls` (default), `mtls` or `none` (a local engine without TLS). */
  tlsStrategy: "tls" | "mtls" | "none";
  /** Prefixes every task and event name, so several deployments can share one Hatchet tenant. */
  namespace?: string | undefined;
}
