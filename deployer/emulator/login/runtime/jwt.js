'use strict';
// HS256 JSON Web Tokens, as api.redirect.encodeToken / validateToken make and check them.
// Only HS256: a token whose header names any other algorithm (including "none") is refused
// before its signature is even looked at, so there is no algorithm confusion to exploit.

const crypto = require('crypto');

const B64URL = /^[A-Za-z0-9_-]*$/;

function b64urlJSON(value) {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function sign(payload, secret) {
  const head = b64urlJSON({ alg: 'HS256', typ: 'JWT' });
  const body = b64urlJSON(payload);
  const sig = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

class TokenError extends Error {}

// Decodes one base64url JSON segment. The parser's own message is not kept: it can quote the
// token's contents, and token contents must not travel in error messages.
function decodeSegment(segment, what) {
  if (!B64URL.test(segment)) throw new TokenError(`Malformed ${what}.`);
  let value;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch (_err) {
    throw new TokenError(`Malformed ${what}.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TokenError(`Malformed ${what}.`);
  }
  return value;
}

// Verifies an HS256 token and returns its claims, or throws TokenError.
// `now` is in seconds. Time checks: `exp` is required and must be in the future; `nbf` and
// `iat`, when present, must be numbers not later than now (plus a small clock skew).
function verify(token, secret, now, { clockSkewSeconds = 60 } = {}) {
  if (typeof token !== 'string' || token.length === 0) throw new TokenError('No token was sent.');
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('Malformed token.');
  const [head, body, sig] = parts;
  const header = decodeSegment(head, 'header');
  if (header.alg !== 'HS256') throw new TokenError('Unsupported algorithm.');
  if (header.crit !== undefined) throw new TokenError('Unsupported header.');
  // UNCONFIRMED: whether Auth0 insists on `typ: JWT`. The community's Actions mock
  // (kilterset/auth0-actions-testing, src/mock/api/redirect.ts) refuses a token without it, so the
  // simulation does too: the stricter reading. See docs/consent-contract.md.
  if (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT') {
    throw new TokenError('Unexpected token payload type');
  }
  if (!B64URL.test(sig)) throw new TokenError('Invalid signature.');
  const expected = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(sig, 'base64url');
  // Equal lengths first (timingSafeEqual needs them; the length of an HMAC is no secret), then
  // a constant-time compare; re-encoding refuses non-canonical base64url spellings.
  if (
    given.length !== expected.length ||
    !crypto.timingSafeEqual(given, expected) ||
    given.toString('base64url') !== sig
  ) {
    throw new TokenError('Invalid signature.');
  }
  const claims = decodeSegment(body, 'payload');
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
    throw new TokenError('The token has no expiry.');
  }
  // UNCONFIRMED: Auth0's leeway on `exp`. None here: the safer reading.
  if (claims.exp <= now) throw new TokenError('The token has expired.');
  for (const name of ['nbf', 'iat']) {
    if (claims[name] === undefined) continue;
    if (typeof claims[name] !== 'number' || !Number.isFinite(claims[name])) {
      throw new TokenError(`Invalid ${name}.`);
    }
    if (claims[name] > now + clockSkewSeconds) throw new TokenError(`The token is not valid yet.`);
  }
  return claims;
}

module.exports = { sign, verify, TokenError };
