import { ValidationError } from "@qs/core";

/** What the installer stores so `nodes:join-command` can print the join line. */
export interface JoinInfo {
  /** URL of the QuickStack install script (the same one the first VPS ran). */
  readonly installUrl: string;
  /** `https://<host>:6443`, the k3s server agents register with. */
  readonly server: string;
  /** The k3s node token (K10…::server:… or a bootstrap token). */
  readonly token: string;
  /** The server was installed --with-longhorn: every node needs Longhorn's prerequisites. */
  readonly withLonghorn?: boolean;
}

const SAFE = /^[A-Za-z0-9:/._@%+=,~-]+$/;

/**
 * `curl -fsSL <install-url> | sh -s - join --server https://<host>:6443 --token <token>`.
 * Every part is checked to be shell-safe, because people paste this line into a root shell.
 */
export function buildJoinCommand(info: JoinInfo): string {
  for (const [what, value] of Object.entries({ installUrl: info.installUrl, server: info.server, token: info.token })) {
    if (!SAFE.test(value)) {
      throw new ValidationError("JOIN_INFO_INVALID", `the stored join ${what} contains characters unsafe for a shell`, {
        hint: "re-run the installer on the first VPS to store the join information again",
      });
    }
  }
  if (!/^https:\/\//.test(info.server) || !/^https:\/\//.test(info.installUrl)) {
    throw new ValidationError("JOIN_INFO_INVALID", "the stored join server and install URL must be https:// URLs");
  }
  const longhorn = info.withLonghorn === true ? " --with-longhorn" : "";
  return `curl -fsSL ${info.installUrl} | sh -s - join --server ${info.server} --token ${info.token}${longhorn}`;
}
