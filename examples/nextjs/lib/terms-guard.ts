// The server-side guard: does this session carry an acceptance of the terms now in force?
import { readFileSync } from "node:fs";

import type { SessionData, User } from "@auth0/nextjs-auth0/types";

import { ACCEPTED_AT_CLAIM, VERSION_CLAIM } from "./terms-claims";

/**
 * The version of the terms now in force, the one the Action asks for (`terms.version` in
 * tenants.yaml). REQUIRED_TERMS_VERSION in the environment; or REQUIRED_TERMS_VERSION_FILE, a
 * file read on every request, so a deploy of new terms needs no restart of the app (the demo
 * uses it). Null when neither is set: then any accepted version counts.
 */
export function requiredTermsVersion(): string | null {
  const file = process.env.REQUIRED_TERMS_VERSION_FILE;
  if (file) {
    try {
      const version = readFileSync(file, "utf8").trim();
      if (version) return version;
    } catch {
      // Unreadable: fall through to the variable, and fail closed below if there is none.
      return process.env.REQUIRED_TERMS_VERSION || "(unknown)";
    }
  }
  return process.env.REQUIRED_TERMS_VERSION || null;
}

export type TermsStatus =
  | { kind: "current"; user: User; version: string; acceptedAt: string }
  | { kind: "signed-out" }
  // A session exists, but its ID token carries no terms claim, or one for older terms:
  // the app treats the user as not signed in until a new login has gone through the Action.
  | { kind: "missing" | "outdated"; user: User; version: string | null; required: string | null };

export function termsStatus(session: SessionData | null): TermsStatus {
  if (!session) return { kind: "signed-out" };
  const user = session.user;
  const version = typeof user[VERSION_CLAIM] === "string" ? (user[VERSION_CLAIM] as string) : null;
  const acceptedAt = user[ACCEPTED_AT_CLAIM];
  const required = requiredTermsVersion();
  if (version === null || typeof acceptedAt !== "string") {
    return { kind: "missing", user, version, required };
  }
  if (required !== null && version !== required) {
    return { kind: "outdated", user, version, required };
  }
  return { kind: "current", user, version, acceptedAt };
}
