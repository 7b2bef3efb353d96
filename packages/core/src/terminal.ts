/**
 * Characters a terminal acts on instead of showing: C0 controls, DEL, C1 controls (U+0080–
 * U+009F, e.g. U+009B CSI) and the Unicode bidirectional overrides and isolates ("Trojan
 * Source", CVE-2021-42574) that reorder what is shown.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
/** The same, minus the layout a multi-line text may keep: LF, TAB and CR only as CRLF. */
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_KEEPING_LAYOUT = /\r(?!\n)|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function visible(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  // C0 as \xNN (what people know from `printf`); the rest as \uNNNN, which is also a valid
  // JSON escape of the same character, so escaping JSON output keeps it exact JSON.
  return NAMED[ch] ?? (code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`);
}

/**
 * Makes text safe to print on someone's terminal: every control character becomes a
 * visible escape (`ESC` → `\x1b`), so stored input (config values, app names, log lines)
 * cannot retitle the window, clear the screen or move the cursor. `oneLine` also escapes
 * newlines and tabs, for a field that must not look like a second line or column.
 */
export function escapeControls(text: string, options: { oneLine?: boolean } = {}): string {
  return text.replace(options.oneLine === true ? CONTROL : CONTROL_KEEPING_LAYOUT, visible);
}
