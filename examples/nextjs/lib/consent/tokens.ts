// The tokens of the consent round trip: the Action's session_token in, the answer token out,
// and the CSRF value. Plain functions over strings; the same rules as the Python reference
// page (deployer/consent/tokens.py) and the contract in docs/consent-contract.md.
import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";

import { SignJWT, decodeProtectedHeader, errors, jwtVerify } from "jose";

import type { ConsentConfig } from "./config";

export const ALGORITHM = "HS256";
// Auth0 sets iat/exp with its own clock; allow a little skew between it and this server.
export const CLOCK_LEEWAY_SECONDS = 30;
// Bounds on what is accepted from a URL, so a huge or odd value is refused before any work.
const MAX_TOKEN_CHARS = 4096;
const MAX_STATE_CHARS = 1024;
const STATE = /^[\x21-\x7e]+$/; // printable ASCII, no spaces: Auth0 states are opaque ids
// The deployer's rule for a terms version, so every version it deploys is a safe file name.
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export type Refusal = "missing" | "malformed" | "expired" | "invalid";

export class TokenRefused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal);
  }
}

export interface Session {
  token: string;
  state: string;
  sub: string;
  termsVersion: string;
  // The host the login uses: the host of a verified `continue_uri` (the Action builds it from
  // event.request.hostname, the custom domain if the login came through one), else `iss`.
  loginHost: string;
}

export function isSafeVersion(version: string): boolean {
  return VERSION.test(version) && !version.includes("..");
}

const encoder = new TextEncoder();

/**
 * Checks the Action's session_token and the shape of state; throws TokenRefused if not OK.
 * HS256 only (the header must say so before any key is used), signed with the current secret
 * or the previous one, then exp and iat (with leeway), iss (one of the accepted issuers), sub,
 * terms_version, and continue_uri when present (https://ISSUER/continue, ISSUER accepted).
 */
export async function verifySession(
  config: ConsentConfig,
  token: string | null,
  state: string | null,
): Promise<Session> {
  if (!token || !state) throw new TokenRefused("missing");
  if (token.length > MAX_TOKEN_CHARS || state.length > MAX_STATE_CHARS || !STATE.test(state)) {
    throw new TokenRefused("malformed");
  }
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new TokenRefused("malformed");
  }
  if (alg !== ALGORITHM) throw new TokenRefused("invalid");
  for (const secret of config.secrets) {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, encoder.encode(secret), {
        algorithms: [ALGORITHM],
        issuer: config.issuers,
        clockTolerance: CLOCK_LEEWAY_SECONDS,
        requiredClaims: ["exp", "iss", "sub"],
      }));
    } catch (err) {
      // Perhaps signed with the other secret of a rotation.
      if (err instanceof errors.JWSSignatureVerificationFailed) continue;
      // jose checks claims only after the signature verified: the link is genuine, merely old.
      if (err instanceof errors.JWTExpired) throw new TokenRefused("expired");
      throw new TokenRefused("invalid");
    }
    const { sub, iss, iat, terms_version: version } = payload;
    if (typeof sub !== "string" || !sub || typeof iss !== "string") throw new TokenRefused("invalid");
    // jose checks `iat` against the clock only with maxTokenAge, which would make `iat`
    // required; the contract wants it optional but, when present, not in the future.
    const now = Math.floor(Date.now() / 1000);
    if (iat !== undefined && (typeof iat !== "number" || iat > now + CLOCK_LEEWAY_SECONDS)) {
      throw new TokenRefused("invalid");
    }
    if (typeof version !== "string" || !isSafeVersion(version)) throw new TokenRefused("invalid");
    const loginHost = loginHostOf(config, iss, payload.continue_uri);
    return { token, state, sub, termsVersion: version, loginHost };
  }
  throw new TokenRefused("invalid");
}

function loginHostOf(config: ConsentConfig, iss: string, resume: unknown): string {
  if (resume === undefined) return iss;
  const found = typeof resume === "string" ? /^https:\/\/([^/?#]+)\/continue$/.exec(resume) : null;
  if (found === null || !config.issuers.includes(found[1])) throw new TokenRefused("invalid");
  return found[1];
}

/**
 * The answer token, as the contract says: HS256 with the current secret, a few minutes; its
 * `iss` is this page's own host name (`issuer`: CONSENT_ISSUER, or the host it was reached at).
 */
export async function mintAnswer(
  config: ConsentConfig,
  session: Session,
  accepted: boolean,
  issuer: string,
  now: number = Math.floor(Date.now() / 1000),
): Promise<string> {
  return new SignJWT({ state: session.state, terms_version: session.termsVersion, accepted })
    .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
    .setSubject(session.sub)
    .setIssuer(issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + config.answerTtlSeconds)
    .setJti(randomUUID().replaceAll("-", ""))
    .sign(encoder.encode(config.secrets[0]));
}

/** Where the answer goes: /continue on the host the login uses (see Session.loginHost). */
export function continueUrl(session: Session): string {
  return `https://${session.loginHost}/continue?state=${encodeURIComponent(session.state)}`;
}

// CSRF: a signed double-submit token, as in the reference page.
//
// The middleware gives the browser a random nonce in a cookie (HttpOnly, SameSite=Strict, and
// Secure with the __Host- prefix over https); the form carries
//     csrf = HMAC-SHA256(key, nonce \0 SHA-256(session_token) \0 state)
// and the answer handler recomputes it from the cookie and the posted fields. A cross-site post
// has no cookie; a planted cookie is useless without the key; the value binds this token and
// this state. The key is derived from TERMS_TOKEN_SECRET with a label, so replicas agree on it
// without more configuration and a CSRF value is never a JWT signature.
const CSRF_LABEL = "accept-terms consent page / csrf key / v1";
export const CSRF_NONCE = /^[A-Za-z0-9_-]{43}$/;

function csrfValue(secret: string, nonce: string, token: string, state: string): string {
  const key = createHmac("sha256", secret).update(CSRF_LABEL).digest();
  const tokenHash = createHash("sha256").update(token).digest("hex");
  return createHmac("sha256", key).update([nonce, tokenHash, state].join("\0")).digest("hex");
}

export function csrfToken(config: ConsentConfig, nonce: string, token: string, state: string): string {
  return csrfValue(config.secrets[0], nonce, token, state);
}

/** Constant-time; a value made under the previous secret still counts during a rotation. */
export function csrfMatches(
  config: ConsentConfig,
  nonce: string | undefined,
  token: string,
  state: string,
  given: string | null,
): boolean {
  if (!nonce || !CSRF_NONCE.test(nonce) || !given) return false;
  let ok = false;
  for (const secret of config.secrets) {
    const expected = Buffer.from(csrfValue(secret, nonce, token, state));
    const actual = Buffer.from(given);
    ok = (expected.length === actual.length && timingSafeEqual(expected, actual)) || ok;
  }
  return ok;
}
