import type { NextConfig } from "next";

// The consent page's URL carries the Action's session_token: no referrer may leak it, no
// cache may keep it, and no other site may frame the page (clickjacking the Accept button).
const consentHeaders = [
  { key: "Referrer-Policy", value: "no-referrer" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Content-Security-Policy", value: "frame-ancestors 'none'; base-uri 'none'" },
  { key: "Cache-Control", value: "no-store" },
  { key: "X-Content-Type-Options", value: "nosniff" },
];

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // The terms files are read at request time (a new version needs no rebuild).
  outputFileTracingIncludes: { "/terms": ["./terms/**/*"] },
  async headers() {
    // /terms/answer sets its own, stricter headers.
    return [{ source: "/terms", headers: consentHeaders }];
  },
};

export default nextConfig;
