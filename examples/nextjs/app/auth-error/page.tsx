// Where a refused login ends (see onCallback in lib/auth0.ts): says what happened, in words.
export const dynamic = "force-dynamic";

const REASONS: Record<string, { title: string; text: string }> = {
  terms_declined: {
    title: "You declined the terms",
    text:
      "You declined the terms of service, so you were not signed in. " +
      "You can sign in again and accept them whenever you like.",
  },
  terms_not_accepted: {
    title: "Your answer could not be verified",
    text: "The answer from the terms page could not be verified, so you were not signed in. Please sign in again.",
  },
};

type Query = Promise<Record<string, string | string[] | undefined>>;

export default async function AuthError({ searchParams }: { searchParams: Query }) {
  const q = await searchParams;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? "";
  const code = one(q.error);
  const description = one(q.error_description);
  const known = REASONS[description];
  return (
    <>
      <h1>{known ? known.title : "You are not signed in"}</h1>
      <p className="lead">{known ? known.text : "The sign-in did not complete."}</p>
      <dl className="claims">
        <dt>error</dt>
        <dd id="error-code">{code}</dd>
        <dt>error_description</dt>
        <dd id="error-description">{description}</dd>
      </dl>
      <div className="buttons">
        <a className="button primary" id="sign-in" href="/auth/login">
          Sign in
        </a>
      </div>
    </>
  );
}
