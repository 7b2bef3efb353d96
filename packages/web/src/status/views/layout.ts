import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Principal } from "@qs/core";
import { ASSET_VERSIONS } from "../assets.ts";

/** What hono's html template yields. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** The signed-in part of the header. */
export interface LayoutUser {
  readonly principal: Principal;
  readonly csrfToken: string;
  readonly recoveryCodesLeft?: number;
}

/** Fewer unused recovery codes than this and every page says so. */
const FEW_RECOVERY_CODES = 3;

/** The page shell: header with navigation and logout, skip link, one <main>. */
export function layout(options: { title: string; user?: LayoutUser; live?: boolean; head?: Html; body: Html | string }): Html {
  const { title, user, live, head, body } = options;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} · QuickStack</title>
<link rel="stylesheet" href="/static/qs.css?v=${ASSET_VERSIONS.css}">${
    live ? html`<script src="/static/live.js?v=${ASSET_VERSIONS.js}" defer></script>` : ""
  }${head ?? ""}</head>
<body><a class="skip" href="#main">Skip to content</a>
<header><span class="brand">QuickStack</span>${
    user
      ? html`<nav aria-label="Main"><a href="/">Apps</a>${
          user.principal.role === "admin" ? html` <a href="/nodes">Nodes</a>` : ""
        }</nav><span class="mute">${user.principal.user}</span><form method="post" action="/logout"><input type="hidden" name="_csrf" value="${user.csrfToken}"><button type="submit">Log out</button></form><form method="post" action="/logout-everywhere"><input type="hidden" name="_csrf" value="${user.csrfToken}"><button type="submit">Log out everywhere</button></form>`
      : ""
  }</header>${
    user?.recoveryCodesLeft !== undefined && user.recoveryCodesLeft < FEW_RECOVERY_CODES
      ? html`<p class="warn banner" role="status" id="recovery-warning">${user.recoveryCodesLeft} recovery code${user.recoveryCodesLeft === 1 ? "" : "s"} left: run <code>ssh qs users:2fa-enable</code> for new ones.</p>`
      : ""
  }
<main id="main">${body}</main>
</body></html>`;
}

/** A short page for errors (not found, forbidden form) in the same shell. */
export function messagePage(title: string, message: string, user?: LayoutUser): Html {
  return layout({ title, ...(user ? { user } : {}), body: html`<h1>${title}</h1><p>${message}</p><p><a href="/">Back to the apps</a></p>` });
}
