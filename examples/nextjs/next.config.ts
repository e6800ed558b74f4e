import type { NextConfig } from "next";

// The consent page's URL carries the Action's session_token: its route handlers (app/terms/)
// set their own headers (no referrer, no cache, no framing; lib/consent/html.ts).
const nextConfig: NextConfig = {
  poweredByHeader: false,
  // The terms files are read at request time (a new version needs no rebuild).
  outputFileTracingIncludes: { "/terms": ["./terms/**/*"] },
};

export default nextConfig;
