import { createHmac } from "node:crypto";

const hex = (key: string, data: Buffer | string): string =>
  createHmac("sha256", key).update(data).digest("hex");

/** Each sender's headers, signed the way that sender signs. */
export function signedAs(
  sender: "github" | "gitlab" | "gitea" | "forgejo" | "generic",
  payload: Buffer,
  key: string,
  id: string,
  t: number,
): Record<string, string> {
  switch (sender) {
    case "github":
      return {
        "x-github-event": "push",
        "x-github-delivery": id,
        "x-hub-signature-256": `sha256=${hex(key, payload)}`,
      };
    case "gitlab":
      return { "x-gitlab-event": "Push Hook", "x-gitlab-event-uuid": id, "x-gitlab-token": key };
    case "gitea":
      return {
        "x-gitea-event": "push",
        "x-gitea-delivery": id,
        "x-gitea-signature": hex(key, payload),
      };
    case "forgejo":
      return {
        "x-forgejo-event": "push",
        "x-forgejo-delivery": id,
        "x-forgejo-signature": hex(key, payload),
      };
    case "generic": {
      const ts = Math.floor(t / 1000).toString();
      return {
        "x-qs-delivery": id,
        "x-qs-signature": `t=${ts},v1=${hex(key, `${ts}.${payload.toString()}`)}`,
      };
    }
  }
}
