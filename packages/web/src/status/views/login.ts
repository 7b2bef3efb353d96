import { html } from "hono/html";
import { layout, type Html } from "./layout.ts";

/** The login form: one step (name, password, code) so no half-authenticated state exists. */
export function loginPage(options: { csrfToken: string; error?: string; user?: string; next?: string }): Html {
  return layout({
    title: "Log in",
    body: html`<h1>Log in</h1>
${options.error ? html`<p class="error" role="alert" id="login-error">${options.error}</p>` : ""}
<form class="login" method="post" action="/login">
<input type="hidden" name="_csrf" value="${options.csrfToken}">
<input type="hidden" name="next" value="${options.next ?? "/"}">
<label>User name<input name="user" autocomplete="username" autocapitalize="none" required value="${options.user ?? ""}"${options.user ? "" : html` autofocus`}></label>
<label>Password<input name="password" type="password" autocomplete="current-password" required${options.user ? html` autofocus` : ""}></label>
<label>Code <span class="mute">(authenticator app, or a recovery code)</span><input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="20"></label>
<button type="submit">Log in</button>
</form>`,
  });
}
