// The Auth0 client of this app (nextjs-auth0 v4). Configured by the environment:
//   AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET (32 bytes hex, encrypts
//   the session cookie), APP_BASE_URL (e.g. http://localhost:3000).
import { Auth0Client, filterDefaultIdTokenClaims } from "@auth0/nextjs-auth0/server";
import { NextResponse } from "next/server";

import { termsClaimsOf } from "./terms-claims";

export const auth0 = new Auth0Client({
  // For the local emulator only (`deployer demo --app nextjs`): it is reached as
  // https://localhost:PORT, and the SDK accepts neither localhost nor a port in the domain
  // without this flag. NEVER set it in production: it also allows plain-http requests.
  allowInsecureRequests: process.env.AUTH0_ALLOW_INSECURE_REQUESTS === "true",
  authorizationParameters: {
    // offline_access: the session keeps a refresh token; see app/session/refresh/route.ts for
    // what becomes of it when the terms change.
    scope: "openid profile email offline_access",
  },

  // THE PITFALL: without this hook, v4 keeps only a default set of ID-token claims (sub, name,
  // email, ...) in session.user and silently drops the namespaced terms claims. Keep the
  // default set and add the two terms claims, nothing else (the session cookie has a size
  // limit, and other custom claims may not be meant for the browser).
  async beforeSessionSaved(session, idToken) {
    return {
      ...session,
      user: { ...filterDefaultIdTokenClaims(session.user), ...termsClaimsOf(session.user) },
    };
  },

  // A refused login (the Action's api.access.deny, e.g. `terms_declined`) comes back to the
  // callback as error=access_denied. Show a page that says so instead of the SDK's bare 500.
  async onCallback(error, ctx) {
    const base = ctx.appBaseUrl || process.env.APP_BASE_URL || "http://localhost:3000";
    if (error) {
      const url = new URL("/auth-error", base);
      const cause = "cause" in error ? (error.cause as { code?: string; message?: string }) : null;
      url.searchParams.set("error", cause?.code || error.code);
      url.searchParams.set("error_description", cause?.message || "");
      return NextResponse.redirect(url);
    }
    // Only the path of returnTo, on the configured base URL (never another host).
    const target = new URL(ctx.returnTo || "/", base);
    return NextResponse.redirect(new URL(`${target.pathname}${target.search}${target.hash}`, base));
  },
});
