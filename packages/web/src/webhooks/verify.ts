import { createHmac, timingSafeEqual } from "node:crypto";
import { QsError } from "@qs/core";

/** Who sent a delivery, by the headers it carries. */
export type WebhookSender = "github" | "gitlab" | "gitea" | "generic";

/** A delivery that passed its signature check. */
export interface VerifiedDelivery {
  readonly sender: WebhookSender;
  /** The sender's delivery id: a replay carries the same one. */
  readonly id: string;
  /** `push`, `ping` … (the sender's event, lower-case, `Push Hook` → `push`). */
  readonly event: string;
}

/** A delivery refused before anything happened; `status` is the HTTP answer. */
export class WebhookRejectedError extends QsError {
  readonly code: string;
  readonly status: 400 | 401 | 409 | 429;
  constructor(code: string, status: 400 | 401 | 409 | 429, message: string, options: { hint?: string } = {}) {
    super(message, options);
    this.code = code;
    this.status = status;
  }
}

/** The generic form's timestamp may be this far off (replays of older ones are refused). */
export const GENERIC_TOLERANCE_SECONDS = 300;

const hmacHex = (secret: string, data: Buffer | string): string => createHmac("sha256", secret).update(data).digest("hex");

/** Constant-time string equality (the length is not secret: all signatures here have one). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

type Headers = (name: string) => string | undefined;

/**
 * Checks a delivery the way its sender signs it: GitHub `X-Hub-Signature-256: sha256=<hmac>`,
 * GitLab's shared `X-Gitlab-Token`, Gitea/Forgejo `X-Gitea-Signature: <hmac>` (Forgejo also
 * `X-Forgejo-Signature`), and the generic `X-QS-Signature: t=<unix>,v1=<hmac of "t.body">`
 * whose timestamp must be within GENERIC_TOLERANCE_SECONDS. All HMACs are SHA-256 over the
 * raw body, compared in constant time. Throws WebhookRejectedError.
 */
export function verifyDelivery(header: Headers, body: Buffer, secret: string, nowMs: number): VerifiedDelivery {
  const missing = (what: string): never => {
    throw new WebhookRejectedError("WEBHOOK_UNSIGNED", 401, `the delivery has no ${what}`, {
      hint: "set the secret printed by `ssh qs apps:webhook APP` in the Git host's webhook settings",
    });
  };
  const bad = (): never => {
    throw new WebhookRejectedError("WEBHOOK_BAD_SIGNATURE", 401, "the signature does not match", {
      hint: "the webhook's secret must be the one printed by `ssh qs apps:webhook APP`",
    });
  };
  const id = (name: string): string => {
    const v = header(name);
    if (v === undefined || !/^[A-Za-z0-9._:-]{1,128}$/.test(v)) {
      throw new WebhookRejectedError("WEBHOOK_NO_DELIVERY_ID", 400, `the delivery has no valid ${name} header`);
    }
    return v;
  };

  const github = header("x-hub-signature-256");
  if (github !== undefined || header("x-github-event") !== undefined) {
    if (github === undefined) return missing("X-Hub-Signature-256 signature");
    if (!safeEqual(github.toLowerCase(), `sha256=${hmacHex(secret, body)}`)) bad();
    return { sender: "github", id: id("x-github-delivery"), event: (header("x-github-event") ?? "").toLowerCase() };
  }
  const gitea = header("x-gitea-signature") ?? header("x-forgejo-signature");
  if (gitea !== undefined || header("x-gitea-event") !== undefined || header("x-forgejo-event") !== undefined) {
    if (gitea === undefined) return missing("X-Gitea-Signature signature");
    if (!safeEqual(gitea.toLowerCase(), hmacHex(secret, body))) bad();
    const delivery = header("x-gitea-delivery") === undefined ? "x-forgejo-delivery" : "x-gitea-delivery";
    return { sender: "gitea", id: id(delivery), event: (header("x-gitea-event") ?? header("x-forgejo-event") ?? "").toLowerCase() };
  }
  const gitlab = header("x-gitlab-token");
  if (gitlab !== undefined || header("x-gitlab-event") !== undefined) {
    if (gitlab === undefined) return missing("X-Gitlab-Token");
    // GitLab sends the secret itself: compare digests so the comparison's length is fixed.
    if (!safeEqual(hmacHex("qs-gitlab", gitlab), hmacHex("qs-gitlab", secret))) bad();
    const event = (header("x-gitlab-event") ?? "").toLowerCase().replace(/ hook$/, "");
    return { sender: "gitlab", id: id(header("x-gitlab-event-uuid") === undefined ? "idempotency-key" : "x-gitlab-event-uuid"), event };
  }
  const generic = header("x-qs-signature");
  if (generic === undefined) return missing("signature header (X-Hub-Signature-256, X-Gitlab-Token, X-Gitea-Signature or X-QS-Signature)");
  const m = /^t=([0-9]{1,12}),v1=([0-9a-f]{64})$/.exec(generic);
  if (m === null) return bad();
  const t = Number(m[1]);
  if (Math.abs(nowMs / 1000 - t) > GENERIC_TOLERANCE_SECONDS) {
    throw new WebhookRejectedError("WEBHOOK_STALE", 401, `the signature's time is more than ${GENERIC_TOLERANCE_SECONDS} s away from the server's`, {
      hint: "sign each delivery when it is sent, with the current Unix time, and check the sender's clock",
    });
  }
  if (!safeEqual(m[2] ?? "", hmacHex(secret, Buffer.concat([Buffer.from(`${m[1] ?? ""}.`), body])))) bad();
  return { sender: "generic", id: id("x-qs-delivery"), event: (header("x-qs-event") ?? "push").toLowerCase() };
}

/** The branch and commit of a push event: GitHub, GitLab, Gitea/Forgejo and the generic form all send `ref` and `after`. */
export function parsePushPayload(body: Buffer): { branch: string; sha: string } | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString("utf8"));
  } catch {
    throw new WebhookRejectedError("WEBHOOK_BAD_PAYLOAD", 400, "the body is not JSON", {
      hint: "set the webhook's content type to application/json",
    });
  }
  const p = payload as { ref?: unknown; after?: unknown; checkout_sha?: unknown };
  if (typeof p.ref !== "string" || !p.ref.startsWith("refs/heads/")) return undefined;
  const sha = typeof p.after === "string" ? p.after : typeof p.checkout_sha === "string" ? p.checkout_sha : "";
  if (!/^[0-9a-f]{40}$/.test(sha) || /^0+$/.test(sha)) return undefined;
  return { branch: p.ref.slice("refs/heads/".length), sha };
}
