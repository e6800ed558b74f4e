// The consent page: GET /terms?session_token=...&state=... (the post-login Action sends the
// user here). It verifies the Action's token, shows the terms of that version, and offers
// Accept / Decline in a plain HTML form posted to /terms/answer: no JavaScript needed.
// A route handler (not a page) so that a refusal gets its status: 400, as the contract says.
// The contract it implements: docs/consent-contract.md in the auth0-terms-deployer repository.
import { type NextRequest } from "next/server";

import { ConsentConfigError, consentConfig } from "@/lib/consent/config";
import { CSRF_NONCE_HEADER } from "@/lib/consent/cookies";
import { escape, htmlPage, problemPage } from "@/lib/consent/html";
import { UNAVAILABLE, problemFor, termsMissing } from "@/lib/consent/problems";
import { renderTerms, termsFile } from "@/lib/consent/terms";
import { TokenRefused, csrfToken, verifySession } from "@/lib/consent/tokens";

export const dynamic = "force-dynamic";

function single(query: URLSearchParams, name: string): string | null {
  const values = query.getAll(name);
  // Two values: which one would be meant is ambiguous.
  if (values.length > 1) throw new TokenRefused("malformed");
  return values[0] ?? null;
}

export async function GET(request: NextRequest) {
  let config;
  try {
    config = consentConfig();
  } catch (err) {
    if (!(err instanceof ConsentConfigError)) throw err;
    console.error(`consent page misconfigured: ${err.message}`);
    return problemPage(UNAVAILABLE);
  }
  const query = request.nextUrl.searchParams;
  let session, file;
  try {
    session = await verifySession(config, single(query, "session_token"), single(query, "state"));
    file = await termsFile(config.termsDir, session.termsVersion);
  } catch (err) {
    if (!(err instanceof TokenRefused)) throw err;
    return problemPage(problemFor(err.refusal));
  }
  if (file === null) return problemPage(termsMissing(session.termsVersion, config.termsDir));
  let terms: string;
  try {
    terms = await renderTerms(file); // markdown-it with raw HTML off: the text is escaped
  } catch (err) {
    console.error(`cannot read the terms file of ${session.termsVersion}: ${(err as Error).name}`);
    return problemPage(UNAVAILABLE);
  }
  // Set by the middleware, which also gave the browser the matching cookie.
  const nonce = request.headers.get(CSRF_NONCE_HEADER);
  if (!nonce) {
    console.error("consent page: no CSRF nonce from the middleware (is middleware.ts deployed?)");
    return problemPage(UNAVAILABLE);
  }
  const version = escape(session.termsVersion);
  const csrf = csrfToken(config, nonce, session.token, session.state);
  const body = `<h1>Terms of service <span class="version">Version ${version}</span></h1>
<p class="lead">To continue signing in, please read and accept these terms.</p>
<article class="terms" aria-label="Terms of service, version ${version}">${terms}</article>
<form method="post" action="/terms/answer">
<input type="hidden" name="session_token" value="${escape(session.token)}">
<input type="hidden" name="state" value="${escape(session.state)}">
<input type="hidden" name="csrf" value="${escape(csrf)}">
<fieldset>
<legend>Do you accept version ${version} of the terms of service?</legend>
<div class="buttons">
<button type="submit" name="decision" value="accept" class="primary">Accept and continue</button>
<button type="submit" name="decision" value="decline" class="secondary">Decline</button>
</div>
<p class="hint">If you decline, you will not be signed in.</p>
</fieldset>
</form>`;
  return htmlPage(200, "Terms of service", body);
}
