// The consent page: GET /terms?session_token=...&state=... (the post-login Action sends the
// user here). It verifies the Action's token, shows the terms of that version, and offers
// Accept / Decline in a plain HTML form posted to /terms/answer: no JavaScript needed.
// The contract it implements: docs/consent-contract.md in the auth0-terms-deployer repository.
import { headers } from "next/headers";

import { ConsentConfigError, consentConfig } from "@/lib/consent/config";
import { CSRF_NONCE_HEADER } from "@/lib/consent/cookies";
import { type Problem, UNAVAILABLE, problemFor } from "@/lib/consent/problems";
import { renderTerms, termsFile } from "@/lib/consent/terms";
import { TokenRefused, csrfToken, verifySession } from "@/lib/consent/tokens";

export const dynamic = "force-dynamic";
export const metadata = { title: "Terms of service", referrer: "no-referrer" as const };

type Query = Promise<Record<string, string | string[] | undefined>>;

function ProblemView({ problem }: { problem: Problem }) {
  return (
    <>
      <h1>{problem.title}</h1>
      <p className="lead">{problem.message}</p>
      <p>{problem.advice}</p>
    </>
  );
}

function single(query: Awaited<Query>, name: string): string | null {
  const value = query[name];
  // Two values: which one would be meant is ambiguous.
  if (Array.isArray(value)) throw new TokenRefused("malformed");
  return value ?? null;
}

export default async function TermsPage({ searchParams }: { searchParams: Query }) {
  const query = await searchParams;
  let config;
  try {
    config = consentConfig();
  } catch (err) {
    if (!(err instanceof ConsentConfigError)) throw err;
    console.error(`consent page misconfigured: ${err.message}`);
    return <ProblemView problem={UNAVAILABLE} />;
  }
  let session, file;
  try {
    session = await verifySession(config, single(query, "session_token"), single(query, "state"));
    file = await termsFile(config.termsDir, session.termsVersion);
    if (file === null) throw new TokenRefused("unknown_version");
  } catch (err) {
    if (!(err instanceof TokenRefused)) throw err;
    return <ProblemView problem={problemFor(err.refusal)} />;
  }
  let html: string;
  try {
    html = await renderTerms(file);
  } catch (err) {
    console.error(`cannot read the terms file of ${session.termsVersion}: ${(err as Error).name}`);
    return <ProblemView problem={UNAVAILABLE} />;
  }
  // Set by the middleware, which also gave the browser the matching cookie.
  const nonce = (await headers()).get(CSRF_NONCE_HEADER);
  if (!nonce) {
    console.error("consent page: no CSRF nonce from the middleware (is middleware.ts deployed?)");
    return <ProblemView problem={UNAVAILABLE} />;
  }
  const version = session.termsVersion;
  return (
    <>
      <h1>
        Terms of service <span className="version">Version {version}</span>
      </h1>
      <p className="lead">To continue signing in, please read and accept these terms.</p>
      {/* markdown-it with raw HTML off: the file's text is escaped, its links checked. */}
      <article
        className="terms"
        aria-label={`Terms of service, version ${version}`}
        dangerouslySetInnerHTML={{ __html: html }}
      />
      <form method="post" action="/terms/answer">
        <input type="hidden" name="session_token" value={session.token} />
        <input type="hidden" name="state" value={session.state} />
        <input type="hidden" name="csrf" value={csrfToken(config, nonce, session.token, session.state)} />
        <fieldset>
          <legend>Do you accept version {version} of the terms of service?</legend>
          <div className="buttons">
            <button type="submit" name="decision" value="accept" className="primary">
              Accept and continue
            </button>
            <button type="submit" name="decision" value="decline" className="secondary">
              Decline
            </button>
          </div>
          <p className="hint">If you decline, you will not be signed in.</p>
        </fieldset>
      </form>
    </>
  );
}
