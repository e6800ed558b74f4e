'use strict';
// The post-login trigger as Auth0 runs it, for local tests: the `event` an Action receives, the
// `api` it calls, and what Auth0 does with those calls once the Action returns. Written against
// docs/auth0-behaviour.md ("The post-login Action runtime"); where Auth0's behaviour is not
// confirmed, the safer reading is taken and marked UNCONFIRMED.
//
// runPostLogin(input, onLog) -> output (see README.md for both shapes). It does not enforce the
// time limit: run.js does that from outside, where it can stop a runaway Action.

const crypto = require('crypto');
const { builtinModules } = require('module');
const util = require('util');
const vm = require('vm');
const jwt = require('./jwt');

// Transactions that have no browser to send anywhere. The first three (and prompt=none) are
// confirmed; the others are grants without a user agent, included as the safer reading
// (UNCONFIRMED). Device code, SAML, WS-Fed and the OIDC browser flows can redirect.
const NO_REDIRECT_PROTOCOLS = new Set([
  'oauth2-resource-owner',
  'oauth2-refresh-token',
  'oauth2-password',
  'oauth2-resource-owner-jwt-bearer', // UNCONFIRMED
  'oauth2-token-exchange', // UNCONFIRMED
  'oauth2-access-token', // UNCONFIRMED
  'oidc-ciba', // UNCONFIRMED
  'wstrust-usernamemixed', // UNCONFIRMED
]);

// Claims Auth0 keeps for itself; setCustomClaim drops them without an error. The facts list
// sub, iss, aud, exp, iat, nonce, azp, roles, permissions "..."; the rest is the usual OIDC/JWT
// set and Auth0's own token fields (UNCONFIRMED in detail, all dropped: the safer reading).
const RESERVED_CLAIMS = new Set([
  'sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'nonce', 'azp', 'auth_time', 'jti', 'roles',
  'permissions', 'acr', 'amr', 'at_hash', 'c_hash', 's_hash', 'sid', 'scope', 'gty',
  'client_id', 'cnf', 'org_id', 'org_name', 'act', 'may_act', 'tfp', 'updated_at',
]);
// Claims namespaced on these hosts (or under urn:auth0) are dropped too.
const FORBIDDEN_CLAIM_HOSTS = ['auth0.com', 'webtask.io', 'webtask.run'];

const METADATA_LIMIT_BYTES = 32 * 1024;
const DEFAULT_TOKEN_TTL_SECONDS = 900;

const clone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
const nowSeconds = () => Math.floor(Date.now() / 1000);

function isDroppedClaim(name) {
  if (typeof name !== 'string' || name === '' || RESERVED_CLAIMS.has(name)) return true;
  const lower = name.toLowerCase();
  if (lower.startsWith('urn:auth0')) return true;
  if (/^https?:\/\//.test(lower)) {
    let host;
    try {
      host = new URL(name).hostname.toLowerCase().replace(/\.$/, '');
    } catch (_err) {
      return false;
    }
    return FORBIDDEN_CLAIM_HOSTS.some((h) => host === h || host.endsWith(`.${h}`));
  }
  return false;
}

function canRedirect(event) {
  const { protocol, prompt } = event.transaction || {};
  // event.transaction.prompt is a list in Auth0's event; a plain string is accepted too.
  const prompts = Array.isArray(prompt) ? prompt : typeof prompt === 'string' ? prompt.split(' ') : [];
  return !NO_REDIRECT_PROTOCOLS.has(protocol) && !prompts.includes('none');
}

// The event, filled with Auth0's usual fields where the caller gave none.
function buildEvent(input) {
  const given = clone(input.event || {});
  const domain = input.tenant_domain;
  const user = { user_metadata: {}, app_metadata: {}, ...(given.user || {}) };
  user.user_metadata = user.user_metadata || {};
  user.app_metadata = user.app_metadata || {};
  const event = {
    ...given,
    user,
    stats: { logins_count: 1, ...(given.stats || {}) },
    client: { client_id: '', name: '', metadata: {}, ...(given.client || {}) },
    request: { ip: '127.0.0.1', hostname: domain, method: 'GET', query: {}, body: {}, ...(given.request || {}) },
    transaction: { protocol: 'oidc-basic-profile', prompt: [], ...(given.transaction || {}) },
    authorization: { roles: [], ...(given.authorization || {}) },
    tenant: { id: String(domain).split('.')[0], ...(given.tenant || {}) },
    secrets: { ...(input.secrets || {}) },
  };
  if (input.state != null) event.transaction.state = input.state;
  if (input.phase === 'continue') {
    // The consent page resumes the flow with a POST to /continue.
    const cont = input.continue_request || {};
    event.request = { ...event.request, method: 'POST', body: clone(cont.body || {}), query: clone(cont.query || {}) };
  }
  return event;
}

// Only Node's built-in modules, as the Action declares no npm dependency. This is a simulation,
// not a sandbox: the code under test is our own.
function requireBuiltin(name) {
  const bare = String(name).replace(/^node:/, '');
  if (builtinModules.includes(bare)) return require(bare);
  throw new Error(`Cannot find module '${name}' (the local runtime offers Node built-in modules only)`);
}

function loadAction(code, consoleProxy) {
  const module = { exports: {} };
  const params = ['exports', 'require', 'module', '__filename', '__dirname', 'console'];
  const fn = vm.compileFunction(code, params, { filename: 'action.js' });
  fn.call(module.exports, module.exports, requireBuiltin, module, '/action/action.js', '/action', consoleProxy);
  return module.exports;
}

function makeConsole(onLog) {
  const out = {};
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    out[level] = (...args) => onLog({ level, message: util.format(...args) });
  }
  return out;
}

function withQuery(url, query) {
  try {
    const target = new URL(url);
    for (const [key, value] of Object.entries(query)) target.searchParams.append(key, String(value));
    return target.toString();
  } catch (_err) {
    return null;
  }
}

function applyUpdates(base, updates) {
  const out = clone(base || {});
  for (const [key, value] of updates) {
    if (value === null) delete out[key];
    else if (value !== undefined) out[key] = clone(value);
  }
  return out;
}

function makeApi(ctx) {
  const { event, input } = ctx;
  // After api.access.deny the login is over: later calls have no effect.
  const live = () => ctx.denied === null;
  const api = {};
  const claimSetter = (target) => ({
    setCustomClaim(name, value) {
      if (live() && !isDroppedClaim(name)) target[name] = clone(value);
      return api;
    },
  });
  api.access = {
    deny(reason) {
      if (live()) ctx.denied = { reason: String(reason) };
      return api;
    },
  };
  api.idToken = claimSetter(ctx.idTokenClaims);
  api.accessToken = claimSetter(ctx.accessTokenClaims);
  api.user = {
    setUserMetadata(key, value) {
      if (live()) ctx.userUpdates.push([String(key), value]);
      return api;
    },
    setAppMetadata(key, value) {
      if (live()) ctx.appUpdates.push([String(key), value]);
      return api;
    },
  };
  api.redirect = {
    canRedirect: () => canRedirect(event),
    sendUserTo(url, options = {}) {
      if (live()) ctx.redirect = { url: String(url), query: { ...(options.query || {}) } };
      return api;
    },
    encodeToken({ secret, expiresInSeconds = DEFAULT_TOKEN_TTL_SECONDS, payload = {} } = {}) {
      if (typeof secret !== 'string' || secret === '') throw new TypeError('encodeToken: a secret is required');
      const iat = nowSeconds();
      // Auth0's own claims win over the payload's: a payload cannot pose as another user.
      // `iat` is UNCONFIRMED (the facts confirm sub, iss, exp, ip); adding it is harmless.
      return jwt.sign(
        {
          ...clone(payload),
          sub: event.user.user_id,
          iss: input.tenant_domain,
          iat,
          exp: iat + expiresInSeconds,
          ip: event.request.ip,
        },
        secret,
      );
    },
    validateToken({ secret, tokenParameterName = 'session_token' } = {}) {
      if (input.phase !== 'continue') throw new Error('validateToken can only be used in onContinuePostLogin');
      if (typeof secret !== 'string' || secret === '') throw new TypeError('validateToken: a secret is required');
      // The runtime's own copy of the /continue request, not the event the Action may have changed.
      const request = input.continue_request || {};
      const body = request.body || {};
      const query = request.query || {};
      const token = body[tokenParameterName] !== undefined ? body[tokenParameterName] : query[tokenParameterName];
      let claims;
      try {
        claims = jwt.verify(token, secret, nowSeconds());
      } catch (err) {
        if (err instanceof jwt.TokenError) throw new Error(`The session token is invalid: ${err.message}`);
        throw err;
      }
      if (typeof claims.state !== 'string' || claims.state !== input.state) {
        throw new Error('The session token is invalid: State in the token does not match the /continue state.');
      }
      return claims;
    },
  };
  return api;
}

function checkInput(input) {
  if (!input || typeof input !== 'object') return 'the input must be a JSON object';
  if (typeof input.code !== 'string') return '`code` must be a string';
  if (input.phase !== 'execute' && input.phase !== 'continue') return '`phase` must be "execute" or "continue"';
  if (typeof input.tenant_domain !== 'string' || !input.tenant_domain || input.tenant_domain.includes('/')) {
    return '`tenant_domain` must be a host name (no scheme)';
  }
  if (input.phase === 'continue' && typeof input.state !== 'string') return 'phase "continue" needs `state`';
  const given = input.continue_request && input.continue_request.body && input.continue_request.body.state;
  if (input.phase === 'continue' && given !== undefined && given !== input.state) {
    return 'the /continue request carries another state than the transaction';
  }
  return null;
}

// The result when the Action did not complete: nothing it asked for happens.
function failure(input, error, logs = []) {
  const user = (input && input.event && input.event.user) || {};
  return {
    ok: false,
    redirect: null,
    denied: null,
    id_token_claims: {},
    access_token_claims: {},
    user_metadata: clone(user.user_metadata || {}),
    app_metadata: clone(user.app_metadata || {}),
    logs,
    error,
  };
}

async function runPostLogin(input, onLog = () => {}) {
  const logs = [];
  const log = (entry) => {
    logs.push(entry);
    onLog(entry);
  };
  const problem = checkInput(input);
  if (problem) return failure(input, `bad input: ${problem}`, logs);
  if (input.phase === 'execute' && input.state == null) {
    input = { ...input, state: crypto.randomBytes(16).toString('base64url') };
  }
  const event = buildEvent(input);
  const ctx = {
    input,
    event,
    denied: null,
    redirect: null,
    idTokenClaims: {},
    accessTokenClaims: {},
    userUpdates: [],
    appUpdates: [],
  };
  const handlerName = input.phase === 'execute' ? 'onExecutePostLogin' : 'onContinuePostLogin';
  try {
    const exported = loadAction(input.code, makeConsole(log));
    if (typeof exported[handlerName] !== 'function') {
      return failure(input, `the Action does not export ${handlerName}`, logs);
    }
    // The Action gets its own copy: changing `event` changes nothing in Auth0.
    await exported[handlerName](clone(event), makeApi(ctx));
  } catch (err) {
    return failure(input, `the Action failed: ${err && err.name ? err.name : 'Error'}: ${err && err.message}`, logs);
  }

  if (ctx.redirect && !ctx.denied && !canRedirect(event)) {
    // UNCONFIRMED what Auth0 does here; failing the login is the safer reading.
    return failure(input, `api.redirect.sendUserTo was called, but this transaction cannot redirect`, logs);
  }
  // Metadata updates are batched and applied once the Action returns (before a redirect).
  // UNCONFIRMED: updates made before api.access.deny are applied too (taken as Auth0's
  // behaviour: an Action must not count on a denial undoing its writes).
  const userMetadata = applyUpdates(event.user.user_metadata, ctx.userUpdates);
  const appMetadata = applyUpdates(event.user.app_metadata, ctx.appUpdates);
  for (const [name, value] of [['user_metadata', userMetadata], ['app_metadata', appMetadata]]) {
    if (Buffer.byteLength(JSON.stringify(value)) > METADATA_LIMIT_BYTES) {
      return failure(input, `${name} would exceed Auth0's 32 kB limit`, logs);
    }
  }
  let redirect = null;
  if (ctx.redirect && !ctx.denied) {
    // Auth0 appends the transaction's state to the URL.
    const query = { ...ctx.redirect.query, state: input.state };
    redirect = { url: ctx.redirect.url, query, location: withQuery(ctx.redirect.url, query) };
  }
  // A denied login gets no tokens, so no claims.
  const tokens = !ctx.denied;
  return {
    ok: true,
    redirect,
    denied: ctx.denied,
    id_token_claims: tokens ? ctx.idTokenClaims : {},
    access_token_claims: tokens ? ctx.accessTokenClaims : {},
    user_metadata: userMetadata,
    app_metadata: appMetadata,
    logs,
    error: null,
  };
}

module.exports = { runPostLogin, failure, checkInput, canRedirect, isDroppedClaim, NO_REDIRECT_PROTOCOLS, RESERVED_CLAIMS };
