// A session with old (or no) terms claims and a refresh token comes here (see app/page.tsx).
//
// Refreshing runs the post-login Actions again at Auth0, with no way to redirect the user to
// the consent page. The accept-terms Action then passes only if the user's stored acceptance
// is for the terms now in force; otherwise, with `non_interactive: deny` (the default), it
// denies and Auth0 refuses the refresh (403 access_denied). Either way a refresh cannot bring
// consent to new terms: only an interactive login can. So:
//   refresh refused, or refreshed claims still not current  ->  log in again (/auth/login)
//   refreshed claims current (accepted meanwhile elsewhere) ->  home
// A route handler, not the page, does this: only here may the SDK write the refreshed session
// cookie.
import { NextResponse, type NextRequest } from "next/server";

import { auth0 } from "@/lib/auth0";
import { termsStatus } from "@/lib/terms-guard";

export const dynamic = "force-dynamic";

export async function GET(request: NextRequest) {
  // APP_BASE_URL, not the request's URL (behind a proxy that one may be an internal address).
  const base = process.env.APP_BASE_URL || request.nextUrl.origin;
  const home = new URL("/", base);
  const login = new URL("/auth/login", base);
  login.searchParams.set("returnTo", "/");
  const session = await auth0.getSession();
  if (!session) return NextResponse.redirect(home);
  try {
    await auth0.getAccessToken({ refresh: true });
  } catch (err) {
    // AccessTokenError failed_to_refresh_token: the Action denied (or the token is gone).
    console.info("refresh refused, sending the user to log in again:", (err as Error).name);
    return NextResponse.redirect(login);
  }
  const refreshed = termsStatus(await auth0.getSession());
  return NextResponse.redirect(refreshed.kind === "current" ? home : login);
}
