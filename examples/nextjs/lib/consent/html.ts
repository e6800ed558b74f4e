// The consent page's HTML responses (/terms and /terms/answer): route handlers, not React
// pages, because the contract wants a refusal answered with its HTTP status (400, 403), and a
// Server Component page always answers 200. Plain HTML with a nonce'd style (and, for the
// continue form only, a nonce'd one-line script): the forms work without JavaScript.
import type { Problem } from "./problems";

export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `:root{color-scheme:light dark;--fg:#1b1b1f;--bg:#fff;--muted:#4a4a55;--line:#c9c9d1;
--accent:#0b57d0;--accent-fg:#fff;--panel:#f5f5f8}
@media (prefers-color-scheme:dark){:root{--fg:#ececf1;--bg:#16161a;--muted:#b8b8c4;--line:#4a4a55;
--accent:#8ab4f8;--accent-fg:#0b1b33;--panel:#222228}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:1.0625rem/1.6 system-ui,sans-serif}
main{max-width:44rem;margin:0 auto;padding:2rem 1.25rem 3rem}
h1{font-size:1.75rem;line-height:1.25;margin:0 0 .5rem}
h1 .version{display:block;font-size:1rem;font-weight:500;color:var(--muted);margin-top:.25rem}
.lead{color:var(--muted);margin:0 0 1.5rem}
.terms{border-top:1px solid var(--line);border-bottom:1px solid var(--line);padding:.5rem 0 1rem;
margin-bottom:1.5rem;overflow-wrap:anywhere}
.terms table{border-collapse:collapse}.terms th,.terms td{border:1px solid var(--line);padding:.25rem .5rem}
a{color:var(--accent)}
fieldset{border:1px solid var(--line);border-radius:.5rem;background:var(--panel);padding:1rem 1.25rem 1.25rem;margin:0}
legend{font-weight:600;padding:0 .25rem}
.buttons{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:.75rem}
button{font:inherit;font-weight:600;min-height:2.75rem;padding:.5rem 1.25rem;border-radius:.375rem;
border:2px solid var(--accent);background:var(--accent);color:var(--accent-fg);cursor:pointer}
button.secondary{background:transparent;color:var(--fg);border-color:var(--muted)}
button:focus-visible,a:focus-visible{outline:3px solid var(--fg);outline-offset:2px}
.hint{color:var(--muted);font-size:.95rem;margin:.75rem 0 0}`;

/** An HTML page with the consent page's headers; `script` only for the continue form. */
export function htmlPage(status: number, title: string, body: string, script = ""): Response {
  const nonce = crypto.randomUUID().replaceAll("-", "");
  // No form-action on the continue form's page: browsers apply it to the redirects after a form
  // post, and /continue redirects on to the application, whose origin this page cannot know.
  const csp =
    `default-src 'none'; style-src 'nonce-${nonce}'; ` +
    // The terms form posts to this page; the continue form goes to Auth0 (see above).
    (script ? `script-src 'nonce-${nonce}'; ` : "form-action 'self'; ") +
    "img-src 'self'; base-uri 'none'; frame-ancestors 'none'";
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex, nofollow">
<title>${escape(title)}</title>
<style nonce="${nonce}">${STYLE}</style></head>
<body><main>${body}</main>${script ? `<script nonce="${nonce}">${script}</script>` : ""}</body></html>`;
  return new Response(page, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": csp,
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
      "x-content-type-options": "nosniff",
    },
  });
}

/** A refusal: its status, and words only (nothing of the token). */
export function problemPage(p: Problem): Response {
  const body =
    `<h1>${escape(p.title)}</h1><p class="lead">${escape(p.message)}</p>` +
    `<p>${escape(p.advice)}</p>`;
  return htmlPage(p.status, p.title, body);
}
