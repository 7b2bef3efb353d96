import { ValidationError } from "../errors.ts";

/** Long enough for any real branch; keeps labels and messages bounded. */
export const MAX_BRANCH = 200;

/**
 * Validates a branch name by the rules of `git check-ref-format --branch` (git-check-ref-format(1)):
 * no '..', control characters, space, ~ ^ : ? * [ \, no component starting with '.' or
 * ending with '.lock', no '//', not ending with '/' or '.', no '@{', not '@', not
 * starting with '-'. Accepts `refs/heads/NAME` and returns NAME.
 */
export function parseBranchName(input: string): string {
  const name = input.startsWith("refs/heads/") ? input.slice("refs/heads/".length) : input;
  const bad = (why: string): ValidationError =>
    new ValidationError("INVALID_BRANCH", `branch ${JSON.stringify(input.slice(0, 60))} ${why}`, {
      hint: "give a branch name such as main or release/v2",
    });
  if (name.length === 0) throw bad("is empty");
  if (name.length > MAX_BRANCH) throw bad(`is longer than ${MAX_BRANCH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) throw bad("contains a space, control character or one of ~ ^ : ? * [ \\");
  if (name.includes("..")) throw bad("contains '..'");
  if (name.includes("@{")) throw bad("contains '@{'");
  if (name === "@") throw bad("is '@'");
  if (name.startsWith("-")) throw bad("starts with '-'");
  if (name.startsWith("/") || name.endsWith("/") || name.includes("//")) throw bad("has an empty path component");
  if (name.endsWith(".")) throw bad("ends with '.'");
  for (const part of name.split("/")) {
    if (part.startsWith(".")) throw bad("has a component starting with '.'");
    if (part.endsWith(".lock")) throw bad("has a component ending with '.lock'");
  }
  return name;
}
