// The application's home: who is signed in, and which terms they accepted, when.
//
// The guard is server-side: a session whose ID token has no terms claim, or one for older
// terms than those now in force, counts as NOT signed in. Such a session that holds a refresh
// token is first sent through /session/refresh (which sends the user to log in again when
// Auth0 refuses the refresh, as it does after a terms change).
import { redirect } from "next/navigation";

import { auth0 } from "@/lib/auth0";
import { ACCEPTED_AT_CLAIM, VERSION_CLAIM } from "@/lib/terms-claims";
import { termsStatus } from "@/lib/terms-guard";

export const dynamic = "force-dynamic";

export default async function Home() {
  const session = await auth0.getSession();
  const status = termsStatus(session);

  if (status.kind === "signed-out") {
    return (
      <>
        <h1>Acme</h1>
        <p className="lead">You are not signed in.</p>
        <div className="buttons">
          <a className="button primary" id="sign-in" href="/auth/login">
            Sign in
          </a>
        </div>
      </>
    );
  }

  if (status.kind !== "current") {
    if (session?.tokenSet.refreshToken) redirect("/session/refresh");
    return (
      <>
        <h1>You are not signed in</h1>
        <p className="lead" id="guard-reason">
          {status.kind === "missing"
            ? "Your session carries no acceptance of the terms of service."
            : `The terms of service have changed (you accepted version ${status.version}; version ${status.required} is now in force).`}{" "}
          Sign in again to review them.
        </p>
        <div className="buttons">
          <a className="button primary" id="sign-in-again" href="/auth/login">
            Sign in again
          </a>
          <a className="button secondary" id="sign-out" href="/auth/logout">
            Sign out
          </a>
        </div>
      </>
    );
  }

  const { user } = status;
  return (
    <>
      <h1>Signed in as {String(user.email ?? user.sub)}</h1>
      <p className="lead">
        You accepted the terms of service version <strong id="terms-version">{status.version}</strong>{" "}
        at <time id="terms-accepted-at">{status.acceptedAt}</time>.
      </p>
      <h2>Your session (session.user)</h2>
      <dl className="claims" id="claims">
        {Object.entries(user).map(([name, value]) => (
          <div key={name} style={{ display: "contents" }}>
            <dt>
              <code className={name === VERSION_CLAIM || name === ACCEPTED_AT_CLAIM ? "terms-claim" : undefined}>
                {name}
              </code>
            </dt>
            <dd>{typeof value === "string" ? value : JSON.stringify(value)}</dd>
          </div>
        ))}
      </dl>
      <div className="buttons">
        <a className="button secondary" id="sign-in-again" href="/auth/login?prompt=login">
          Sign in again
        </a>
        <a className="button secondary" id="sign-out" href="/auth/logout">
          Sign out
        </a>
      </div>
    </>
  );
}
