import { UsageError } from "@qs/core";

/** An SSH exec string is at most this long; more is a mistake or an attack. */
export const MAX_COMMAND_LINE = 512 * 1024;

/**
 * Splits an SSH exec string into words with POSIX shell quoting rules (XCU 2.2) and
 * nothing else: whitespace separates words; '…' is literal; "…" is literal except that
 * backslash escapes " \ $ ` and newline; outside quotes backslash escapes the next
 * character and backslash-newline is removed. No expansion, globbing, operators or
 * comments: `;`, `|`, `$X`, `*` are ordinary characters. The string never reaches a shell.
 * Unbalanced quotes and a trailing backslash are usage errors.
 */
export function splitCommandLine(line: string): string[] {
  if (line.length > MAX_COMMAND_LINE) {
    throw new UsageError(`the command is longer than ${MAX_COMMAND_LINE} bytes`, {
      hint: "pass large values on stdin where a command supports it",
    });
  }
  if (line.includes("\0")) throw new UsageError("the command contains a NUL byte");
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i] ?? "";
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw unbalanced("'");
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      i++;
      let closed = false;
      while (i < line.length) {
        const c = line[i] ?? "";
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === "\\" && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1] ?? "")) {
          if (line[i + 1] !== "\n") word += line[i + 1];
          i += 2;
        } else {
          word += c;
          i++;
        }
      }
      if (!closed) throw unbalanced('"');
      inWord = true;
    } else if (ch === "\\") {
      if (i + 1 >= line.length) {
        throw new UsageError("the command ends with a backslash", { hint: "remove it or quote it: '\\'" });
      }
      if (line[i + 1] !== "\n") {
        word += line[i + 1];
        inWord = true;
      }
      i += 2;
    } else {
      word += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function unbalanced(quote: string): UsageError {
  return new UsageError(`unbalanced ${quote} quote in the command`, {
    hint: `close the ${quote} quote; to pass a ${quote} inside a value quote it with the other kind`,
  });
}

/** Quotes a word so splitCommandLine gives it back unchanged (for help texts and tests). */
export function quoteWord(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
