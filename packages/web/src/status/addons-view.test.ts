import { describe, expect, it } from "vitest";
import { AddonNotFoundError, defaultAppSpec, type AddonInfo, type AddonManager, type App } from "@qs/core";
import { addonRows } from "./addon-rows.ts";
import { addonSection } from "./views/addons.ts";

// The app page's add-ons: its attachments (own and shared), loose add-ons it owns, a
// missing one; kind, version, state and variable, and never a credential.

const PASSWORD = "pw-should-never-show-9f3a";

function info(owner: string, name: string, kind: AddonInfo["kind"], ready: string): AddonInfo {
  return { name, owner, kind, version: kind === "redis" ? "7" : "17", size: "1Gi", image: `docker.io/library/${kind}`, ready, host: `addon-${name}.qs-app-${owner}.svc`, port: 5432 };
}

const manager: Pick<AddonManager, "get" | "list"> = {
  get: (owner, name) => {
    const all = [info("shop", "postgres", "postgres", "1/1"), info("shop", "cache", "redis", "0/1"), info("billing", "ledger", "postgres", "1/1")];
    const found = all.find((a) => a.owner === owner && a.name === name);
    return found === undefined ? Promise.reject(new AddonNotFoundError(owner, name)) : Promise.resolve(found);
  },
  list: (owner) => Promise.resolve(owner === "shop" ? [info("shop", "cache", "redis", "0/1"), info("shop", "postgres", "postgres", "1/1")] : []),
};

const shop: App = {
  name: "shop",
  spec: {
    ...defaultAppSpec(),
    addons: [
      { name: "postgres", owner: "shop", as: "DATABASE" },
      { name: "ledger", owner: "billing", as: "LEDGER" },
      { name: "gone", owner: "shop", as: "OLD" },
    ],
  },
  status: { conditions: [] },
  version: "1",
  createdAt: "",
};

describe("add-ons on the app page", () => {
  it("lists attachments, shared ones with their owner, a missing one, and loose owned add-ons", async () => {
    const rows = await addonRows(manager, shop);
    expect(rows).toEqual([
      { name: "postgres", owner: "shop", kind: "postgres", version: "17", status: "Ready", variable: "DATABASE_URL" },
      { name: "ledger", owner: "billing", kind: "postgres", version: "17", status: "Ready", variable: "LEDGER_URL" },
      { name: "gone", owner: "shop", kind: "?", version: "?", status: "Missing", variable: "OLD_URL" },
      { name: "cache", owner: "shop", kind: "redis", version: "7", status: "Starting (0/1)" },
    ]);
  });

  it("renders kind, version, state and variable, and no URL or password", async () => {
    const page = String(await addonSection("shop", await addonRows(manager, shop)));
    expect(page).toContain('<table id="addons">');
    expect(page).toContain("billing/ledger");
    expect(page).toContain("<code>DATABASE_URL</code>");
    expect(page).toContain("not attached");
    expect(page).not.toContain("postgres://");
    expect(page).not.toContain(PASSWORD);
    expect(page).not.toContain(".svc");
  });

  it("says how to add one when there are none, and nothing without an add-on manager", async () => {
    expect(String(await addonSection("shop", []))).toContain("ssh qs addons:create shop postgres");
    expect(addonSection("shop", undefined)).toBe("");
  });
});
