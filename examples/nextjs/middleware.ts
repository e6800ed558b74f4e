// Every request passes here. /auth/* and the rolling session are the SDK's; the consent page
// gets its CSRF nonce cookie here, because a page (a Server Component) cannot set cookies.
import { NextResponse, type NextRequest } from "next/server";

import { auth0 } from "./lib/auth0";
import { CSRF_COOKIE, CSRF_COOKIE_HTTPS, CSRF_NONCE_HEADER } from "./lib/consent/cookies";

const NONCE = /^[A-Za-z0-9_-]{43}$/;

function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function middleware(request: NextRequest) {
  const { pathname, protocol } = request.nextUrl;
  if (pathname === "/terms") {
    const https = protocol === "https:";
    const name = https ? CSRF_COOKIE_HTTPS : CSRF_COOKIE;
    // Reuse this browser's nonce if it has one, so two open tabs both stay answerable.
    const existing = request.cookies.get(name)?.value;
    const nonce = existing && NONCE.test(existing) ? existing : newNonce();
    const headers = new Headers(request.headers);
    headers.set(CSRF_NONCE_HEADER, nonce); // overwrites anything a client sent
    const response = NextResponse.next({ request: { headers } });
    response.cookies.set(name, nonce, {
      httpOnly: true,
      sameSite: "strict",
      secure: https,
      path: "/",
      maxAge: 3600,
    });
    return response;
  }
  if (pathname.startsWith("/terms/")) {
    // The answer handler reads the cookie itself; the SDK has nothing to do here.
    const headers = new Headers(request.headers);
    headers.delete(CSRF_NONCE_HEADER);
    return NextResponse.next({ request: { headers } });
  }
  return await auth0.middleware(request);
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|sitemap.xml|robots.txt).*)"],
};
