// The terms documents: one Markdown file per version, rendered to safe HTML.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";

import MarkdownIt from "markdown-it";

import { isSafeVersion } from "./tokens";

// html: false shows raw HTML in a file as text instead of passing it through; markdown-it's
// link validation drops javascript:, vbscript:, file: and non-image data: URLs.
const md = new MarkdownIt("commonmark", { html: false }).enable("table");
// The page's own <h1> names the terms and their version; the document's headings go below it.
md.core.ruler.push("shift_headings", (state) => {
  for (const token of state.tokens) {
    if (token.type === "heading_open" || token.type === "heading_close") {
      token.tag = `h${Math.min(Number(token.tag.slice(1)) + 1, 6)}`;
    }
  }
  return true;
});

/** The file of `version` in `dir`, or null if there is none (or the name is unsafe). */
export async function termsFile(dir: string, version: string): Promise<string | null> {
  if (!isSafeVersion(version)) return null;
  const root = path.resolve(dir);
  const file = path.resolve(root, `${version}.md`);
  if (path.dirname(file) !== root) return null; // belt and braces: the pattern has no separators
  try {
    return (await stat(file)).isFile() ? file : null;
  } catch {
    return null;
  }
}

export async function renderTerms(file: string): Promise<string> {
  return md.render(await readFile(file, "utf8"));
}
