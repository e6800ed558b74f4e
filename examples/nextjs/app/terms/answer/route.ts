// POST /terms/answer: the consent form's answer. Checks CSRF, then the Action's token again,
// mints the signed answer and hands the browser a form that posts it to Auth0's /continue.
// A redirect cannot carry a POST across origins, so the page submits the form itself (one line
// of script), with a Continue button for browsers without JavaScript. The HTML: lib/consent/html.ts.
import { type NextRequest } from "next/server";

import { ConsentConfigError, consentConfig } from "@/lib/consent/config";
import { CSRF_COOKIE, CSRF_COOKIE_HTTPS } from "@/lib/consent/cookies";
import { escape, htmlPage, problemPage as problem } from "@/lib/consent/html";
import { FORGED, INVALID, UNAVAILABLE, problemFor, termsMissing } from "@/lib/consent/problems";
import { termsFile } from "@/lib/consent/terms";
import {
  TokenRefused,
  continueUrl,
  csrfMatches,
  mintAnswer,
  verifySession,
} from "@/lib/consent/tokens";

export const dynamic = "force-dynamic";

const FIELDS = new Set(["session_token", "state", "csrf", "decision"]);
const MAX_BODY_BYTES = 16 * 1024;

export async function POST(request: NextRequest) {
  // Browsers say where a request comes from; a cross-site post is refused outright.
  if (request.headers.get("sec-fetch-site") === "cross-site") return problem(FORGED);
  let config;
  try {
    config = consentConfig();
  } catch (err) {
    if (!(err instanceof ConsentConfigError)) throw err;
    console.error(`consent page misconfigured: ${err.message}`);
    return problem(UNAVAILABLE);
  }
  if (Number(request.headers.get("content-length") || 0) > MAX_BODY_BYTES) return problem(INVALID);
  const type = request.headers.get("content-type") || "";
  if (!type.startsWith("application/x-www-form-urlencoded")) return problem(INVALID);
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) return problem(INVALID);
  const form = new URLSearchParams(text);
  const fields: Record<string, string> = {};
  for (const [name, value] of form) {
    // Unknown or repeated fields: which value is meant would be ambiguous.
    if (!FIELDS.has(name) || name in fields) return problem(problemFor("malformed"));
    fields[name] = value;
  }
  const { session_token: token, state, csrf, decision } = fields;
  if (!token || !state) return problem(problemFor("missing"));

  // CSRF first, on the raw strings: a forged post learns nothing about the token.
  const https = request.nextUrl.protocol === "https:";
  const nonce = request.cookies.get(https ? CSRF_COOKIE_HTTPS : CSRF_COOKIE)?.value;
  if (!csrfMatches(config, nonce, token, state, csrf ?? null)) {
    console.info("consent page refused an answer: CSRF token missing or wrong");
    return problem(FORGED);
  }
  let session;
  try {
    session = await verifySession(config, token, state);
  } catch (err) {
    if (!(err instanceof TokenRefused)) throw err;
    return problem(problemFor(err.refusal));
  }
  if ((await termsFile(config.termsDir, session.termsVersion)) === null) {
    return problem(termsMissing(session.termsVersion, config.termsDir));
  }
  if (decision !== "accept" && decision !== "decline") return problem(problemFor("malformed"));

  const accepted = decision === "accept";
  // The answer's `iss` is this page's own host name (contract, "The answer token").
  const issuer = config.answerIssuer ?? request.headers.get("host") ?? request.nextUrl.host;
  const answer = await mintAnswer(config, session, accepted, issuer);
  console.info(`consent page: answer minted (accepted=${accepted})`);
  const heading = accepted ? "Thank you" : "You declined the terms";
  const lead = accepted
    ? `You accepted version ${escape(session.termsVersion)} of the terms of service.`
    : "You will not be signed in. You can sign in again at any time to review the terms.";
  const body = `<h1>${heading}</h1><p>${lead}</p>
<form id="continue" method="post" action="${escape(continueUrl(session))}">
<input type="hidden" name="state" value="${escape(session.state)}">
<input type="hidden" name="session_token" value="${escape(answer)}">
<button type="submit">Continue</button>
</form>`;
  return htmlPage(200, "Returning to sign-in", body, 'document.getElementById("continue").submit();');
}
