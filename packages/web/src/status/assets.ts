import { createHash } from "node:crypto";

// Served as files, never inline, so the Content-Security-Policy can forbid inline script
// and style entirely (script-src 'self'; style-src 'self').

/** The whole stylesheet: small, readable on a phone, respects dark mode. */
export const STYLESHEET = `
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--mute:#5c6670;--line:#d8dee4;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--link:#0a58ca}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--mute:#9aa5b1;--line:#30363d;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--link:#58a6ff}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--link)}
a:focus,button:focus,input:focus{outline:3px solid var(--link);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--bg);padding:4px}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;border-bottom:1px solid var(--line)}
header .brand{font-weight:700;margin-right:auto}
header form{display:inline;margin:0}
main{padding:1rem;max-width:70rem;margin:0 auto}
h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--mute);font-size:.85rem}
.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}.mute{color:var(--mute)}
.spark{vertical-align:middle;color:var(--link)}
ul.keys{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1rem}
pre{background:rgba(127,127,127,.1);padding:.6rem;overflow:auto;max-height:24rem;font-size:.85rem;white-space:pre-wrap;word-break:break-word}
form.login{max-width:22rem;display:grid;gap:.7rem}
label{display:grid;gap:.2rem;font-weight:600}
input{font:inherit;padding:.45rem;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg)}
button{font:inherit;padding:.4rem .9rem;border:1px solid var(--line);border-radius:4px;background:var(--link);color:#fff;cursor:pointer}
header button{background:none;color:var(--link);padding:.2rem .5rem}
.error{color:var(--bad);font-weight:600}
.banner{margin:0;padding:.5rem 1rem;border-bottom:1px solid var(--line)}
@media (max-width:40rem){table.cards thead{display:none}table.cards tr{display:block;padding:.4rem 0;border-bottom:1px solid var(--line)}table.cards td{display:block;border:0;padding:.1rem .5rem}table.cards td.name{font-weight:700;font-size:1.1rem}table.cards td[data-label]::before{content:attr(data-label) ": ";color:var(--mute);font-size:.85rem}}
`;

/**
 * The live parts: follows the log stream (Server-Sent Events) of the app page into its
 * <pre>. Plain ES2017, no framework; the page works without it (the tail is static then).
 */
export const LIVE_SCRIPT = `"use strict";
(function () {
  var log = document.getElementById("log");
  if (!log || !window.EventSource) return;
  var state = document.getElementById("log-state");
  var max = 500;
  var source = new EventSource(log.getAttribute("data-stream"));
  function say(text) { if (state) state.textContent = text; }
  source.onopen = function () { say("live"); };
  source.onerror = function () { say("reconnecting…"); };
  source.addEventListener("line", function (event) {
    var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.appendChild(document.createTextNode(event.data + "\\n"));
    while (log.childNodes.length > max) log.removeChild(log.firstChild);
    if (atBottom) log.scrollTop = log.scrollHeight;
  });
})();
`;

const version = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 10);

/** Cache-busting query values: the assets are cached for a year, so a change needs a new URL. */
export const ASSET_VERSIONS = { css: version(STYLESHEET), js: version(LIVE_SCRIPT) } as const;
