// The consent page's configuration, from the environment (read per request, validated once).
//
//   TERMS_TOKEN_SECRET           the Action's secret of the same name (>= 32 characters)
//   TERMS_TOKEN_SECRET_PREVIOUS  during a rotation only: also accepted, never used to sign
//   CONSENT_ISSUERS              the `iss` values accepted, comma-separated host names (with a
//                                port if any, no scheme): the tenant's domain and any custom
//                                domain. Default: AUTH0_DOMAIN.
//   TERMS_DIR                    one <version>.md per version (default: ./terms)
//   CONSENT_ANSWER_TTL_SECONDS   lifetime of the answer token (default 300; 60 to 900)
//   CONSENT_ISSUER               the `iss` of answers: this page's host name (default: the host
//                                the page was reached at)
import path from "node:path";

export const MIN_SECRET_LENGTH = 32;
// The issuer is a host name with an optional port, as Auth0 writes it in redirect tokens.
const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$/;

export class ConsentConfigError extends Error {}

export interface ConsentConfig {
  secrets: string[]; // the current secret first (it signs), then the previous one
  issuers: string[];
  termsDir: string;
  answerTtlSeconds: number;
  answerIssuer: string | null;
}

export function consentConfig(env: NodeJS.ProcessEnv = process.env): ConsentConfig {
  const current = env.TERMS_TOKEN_SECRET || "";
  const previous = env.TERMS_TOKEN_SECRET_PREVIOUS || "";
  // Error messages name the setting, never its value.
  if (!current) throw new ConsentConfigError("TERMS_TOKEN_SECRET is not set");
  for (const [name, value] of [
    ["TERMS_TOKEN_SECRET", current],
    ["TERMS_TOKEN_SECRET_PREVIOUS", previous],
  ]) {
    if (value && value.length < MIN_SECRET_LENGTH) {
      throw new ConsentConfigError(`${name} must be at least ${MIN_SECRET_LENGTH} characters`);
    }
  }
  const issuers = (env.CONSENT_ISSUERS || env.AUTH0_DOMAIN || "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (issuers.length === 0) throw new ConsentConfigError("CONSENT_ISSUERS (or AUTH0_DOMAIN) is not set");
  const bad = issuers.find((i) => !HOST.test(i));
  if (bad !== undefined) {
    throw new ConsentConfigError(
      "CONSENT_ISSUERS must be host names without scheme or path, e.g. acme.eu.auth0.com",
    );
  }
  const ttl = Number(env.CONSENT_ANSWER_TTL_SECONDS || 300);
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 900) {
    throw new ConsentConfigError("CONSENT_ANSWER_TTL_SECONDS must be an integer from 60 to 900");
  }
  const answerIssuer = (env.CONSENT_ISSUER || "").trim() || null;
  if (answerIssuer !== null && !HOST.test(answerIssuer)) {
    throw new ConsentConfigError("CONSENT_ISSUER must be a host name without scheme or path");
  }
  return {
    answerIssuer,
    secrets: previous ? [current, previous] : [current],
    issuers,
    termsDir: path.resolve(env.TERMS_DIR || path.join(process.cwd(), "terms")),
    answerTtlSeconds: ttl,
  };
}
