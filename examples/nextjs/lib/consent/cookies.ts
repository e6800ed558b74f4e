// Names shared by the middleware (which sets the CSRF nonce) and the consent page and answer
// handler (which read it). Nothing here may import Node modules: the middleware runs on Edge.
export const CSRF_COOKIE = "consent-csrf";
// Over https: the __Host- prefix (Secure, Path=/, no Domain), so a sibling subdomain cannot
// plant one. Browsers refuse the prefix over plain http.
export const CSRF_COOKIE_HTTPS = "__Host-consent-csrf";
// The nonce the middleware chose for this request, handed to the page as a request header.
export const CSRF_NONCE_HEADER = "x-consent-csrf-nonce";
