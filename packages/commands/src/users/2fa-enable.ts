import { AuthenticationError, ConflictError, UsageError } from "@qs/core";
import { generateRecoveryCodes, generateTotpSecret, hashRecoveryCode, totpUri, verifyTotp } from "../auth/index.ts";
import type { Command } from "../command.ts";
import { parseArgs } from "../flags.ts";
import { terminalQr } from "./qr.ts";
import { readLine, requireSelfOrAdmin, usersOf } from "./support.ts";

/** Wrong first codes accepted before enrolment is abandoned. */
const ATTEMPTS = 3;

/**
 * `users:2fa-enable [NAME]`: prints the otpauth:// URI and its QR code, asks for a first
 * code to prove the authenticator works, then stores the secret and prints ten single-use
 * recovery codes (stored hashed). Nothing is stored until the code is right.
 */
export const users2faEnableCommand: Command = {
  name: "users:2fa-enable",
  summary: "Turn on TOTP two-factor login for the status page",
  usage: "[NAME]   (use ssh -t to type the code)",
  mutating: true,
  async run(ctx) {
    const { positionals } = parseArgs(ctx.args, {}, { usage: "users:2fa-enable [NAME]   (use ssh -t to type the code)", max: 1 });
    const name = positionals[0] ?? ctx.principal.user;
    requireSelfOrAdmin(ctx, name, "change two-factor login");
    const users = usersOf(ctx);
    const user = await users.get(name);
    if (user.totpEnabled) {
      throw new ConflictError("TOTP_ENABLED", `two-factor login is already on for "${name}"`, {
        hint: `to enrol a new device, first run: ssh qs users:2fa-disable ${name}`,
      });
    }
    const secret = generateTotpSecret();
    const uri = totpUri(secret, name);
    const out = ctx.io.stdout;
    const nl = ctx.io.tty === undefined ? "\n" : "\r\n";
    const say = (text: string): void => void out.write(`${text.replace(/\n/g, nl)}${nl}`);
    say(`Scan this with your authenticator app (or add the URI by hand):\n`);
    say(terminalQr(uri));
    say(`\n${uri}\n`);
    let step: number | undefined;
    for (let attempt = 1; attempt <= ATTEMPTS && step === undefined; attempt++) {
      out.write("Enter the 6-digit code it shows: ");
      const code = await readLine(ctx.io.stdin, ctx.signal, {
        max: 64,
        ...(ctx.io.tty === undefined ? {} : { echo: (t: string) => void out.write(t) }),
      });
      if (ctx.io.tty === undefined) out.write(nl);
      if (code === undefined) {
        throw new UsageError("no code given; two-factor login stays off", { hint: "run it with ssh -t to type the code" });
      }
      step = verifyTotp(secret, code, undefined);
      if (step === undefined && attempt < ATTEMPTS) say("That code is not right; check the device clock and try again.");
    }
    if (step === undefined) {
      throw new AuthenticationError("the codes were wrong; two-factor login stays off", {
        hint: "check that the device's clock is right, then run users:2fa-enable again",
      });
    }
    const codes = generateRecoveryCodes(10);
    await users.setTotp(name, { secret, recoveryCodeHashes: codes.map((c) => hashRecoveryCode(c)) });
    const text = [
      `Two-factor login is on for "${name}".`,
      "Recovery codes (each works once; store them somewhere safe, they are not shown again):",
      ...codes.map((c) => `  ${c}`),
    ].join("\n");
    return { json: { user: name, totp: "enabled", recoveryCodes: codes }, text: text.replace(/\n/g, nl) };
  },
};
