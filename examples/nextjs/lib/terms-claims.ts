// The accept-terms claims on the session, and the guard that decides whether they are current.
//
// The post-login Action puts two namespaced claims on the ID token:
//   <namespace>terms_version       the version of the terms the user accepted
//   <namespace>terms_accepted_at   when (ISO 8601)
// Nothing here may import Node modules: lib/auth0.ts uses it, and the middleware runs on Edge.
// The namespace is `claims.namespace` in the deployer's tenants.yaml (e.g. https://example.com/).
export const NAMESPACE = process.env.TERMS_CLAIMS_NAMESPACE || "https://example.com/";
export const VERSION_CLAIM = `${NAMESPACE}terms_version`;
export const ACCEPTED_AT_CLAIM = `${NAMESPACE}terms_accepted_at`;

/** The terms claims of an ID token's claims (the two namespaced ones, nothing else). */
export function termsClaimsOf(claims: Record<string, unknown>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of [VERSION_CLAIM, ACCEPTED_AT_CLAIM]) {
    const value = claims[name];
    if (typeof value === "string") kept[name] = value;
  }
  return kept;
}
