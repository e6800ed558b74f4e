// What the consent page shows when it refuses something. The refusal's reason goes to the
// log; the token's contents go nowhere.
import type { Refusal } from "./tokens";

export interface Problem {
  status: number;
  title: string;
  message: string;
  advice: string;
}

const SIGN_IN_AGAIN = "Go back to the application and sign in again.";

export const EXPIRED: Problem = {
  status: 400,
  title: "This page has expired",
  message: "The link to the terms is only valid for a few minutes.",
  advice: SIGN_IN_AGAIN,
};
export const INVALID: Problem = {
  status: 400,
  title: "This link can’t be used",
  message: "The link to the terms is not valid.",
  advice: SIGN_IN_AGAIN,
};
export const FORGED: Problem = {
  status: 403,
  title: "Your answer could not be checked",
  message: "The answer did not come from this page in this browser. Cookies must be enabled.",
  advice: "Go back to the terms page, reload it, and answer again; or sign in again.",
};
export const UNAVAILABLE: Problem = {
  status: 500,
  title: "The terms are not available",
  message: "Something went wrong on our side while loading the terms.",
  advice: "Please try again in a few minutes.",
};

// A valid token for a version this page has no text for: the operator published the Action's
// terms version without its file here. Not the user's doing (docs/consent-contract.md, 1).
export const TERMS_MISSING: Problem = {
  status: 503,
  title: "The terms are temporarily unavailable",
  message: "The terms you are asked to accept can’t be shown right now.",
  advice: "Please try again in a few minutes.",
};

export function termsMissing(version: string, dir: string): Problem {
  console.error(`no terms file for version ${version} in ${dir}: publish ${version}.md there`);
  return TERMS_MISSING;
}

export function problemFor(refusal: Refusal): Problem {
  console.info(`consent page refused a request: ${refusal}`);
  return refusal === "expired" ? EXPIRED : INVALID;
}
