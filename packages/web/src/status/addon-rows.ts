import { AddonNotFoundError, attachmentVar, type AddonManager, type AddonSummary, type App } from "@qs/core";

/**
 * The add-ons an app page lists: every attachment of the app (its own add-ons and ones
 * shared from another app) plus add-ons it owns that nothing attaches. Kind, version,
 * state and the variable only: the manager's info has no credentials, and the URL is
 * never read here.
 */
export async function addonRows(addons: Pick<AddonManager, "get" | "list">, app: App): Promise<AddonSummary[]> {
  const attached = app.spec.addons ?? [];
  const rows = await Promise.all(
    attached.map(async (a): Promise<AddonSummary> => {
      try {
        const info = await addons.get(a.owner, a.name);
        return { name: a.name, owner: a.owner, kind: info.kind, version: info.version, status: stateOf(info.ready), variable: attachmentVar(a) };
      } catch (err) {
        if (!(err instanceof AddonNotFoundError)) throw err;
        return { name: a.name, owner: a.owner, kind: "?", version: "?", status: "Missing", variable: attachmentVar(a) };
      }
    }),
  );
  const loose = (await addons.list(app.name)).filter((info) => !attached.some((a) => a.owner === app.name && a.name === info.name));
  for (const info of loose) rows.push({ name: info.name, owner: app.name, kind: info.kind, version: info.version, status: stateOf(info.ready) });
  return rows;
}

/** `1/1` → Ready, `0/1` → Starting. */
function stateOf(ready: string): string {
  const [have, want] = ready.split("/").map(Number);
  return have !== undefined && want !== undefined && have >= want && want > 0 ? "Ready" : `Starting (${ready})`;
}
