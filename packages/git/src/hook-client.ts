/**
 * The pre-receive hook program, written to `<root>/.qs-hook/pre-receive.cjs` (CommonJS by
 * extension, so no package.json near the data dir can change how node loads it).
 *
 * It reads git's `old new ref` lines from stdin, connects to the control plane's unix
 * socket (path, per-boot secret and push id come in its environment, set by the process
 * that spawned receive-pack), sends one JSON request line with the quarantine environment,
 * prints each `o <text>` line it gets back as it arrives (git relays the hook's output to
 * the client as `remote:` lines), and exits with the code of the final `x <code>` line.
 * Anything else (no socket, connection lost) exits 1, so git rejects the push.
 */
export const HOOK_CLIENT_SOURCE = `"use strict";
// Installed by QuickStack. Do not edit: it is rewritten when the control plane starts.
const net = require("node:net");
const env = process.env;
const socketPath = env.QUICKSTACK_HOOK_SOCKET;
const secret = env.QUICKSTACK_HOOK_SECRET;
const pushId = env.QUICKSTACK_PUSH_ID;
const say = (text) => process.stdout.write(text + "\\n");
if (!socketPath || !secret || !pushId) {
  say("!     this repository accepts pushes only through QuickStack (ssh or https)");
  process.exit(1);
}
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const updates = input
    .split("\\n")
    .filter((l) => l.length > 0)
    .map((l) => {
      const [oldSha, newSha, ref] = l.split(" ");
      return { oldSha, newSha, ref };
    });
  const quarantine = {};
  for (const k of ["GIT_QUARANTINE_PATH", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES"]) {
    if (env[k] !== undefined) quarantine[k] = env[k];
  }
  let verdict = 1;
  let buffer = "";
  const socket = net.connect(socketPath);
  socket.setEncoding("utf8");
  socket.on("connect", () => {
    socket.write(JSON.stringify({ secret, pushId, updates, quarantine }) + "\\n");
  });
  socket.on("data", (chunk) => {
    buffer += chunk;
    let i;
    while ((i = buffer.indexOf("\\n")) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (line.startsWith("o ")) say(line.slice(2));
      else if (line.startsWith("x ")) verdict = Number(line.slice(2)) === 0 ? 0 : 1;
    }
  });
  socket.on("error", (err) => {
    say("!     cannot reach the QuickStack control plane: " + err.message);
    verdict = 1;
  });
  socket.on("close", () => process.exit(verdict));
});
`;
