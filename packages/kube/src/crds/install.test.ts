import { describe, expect, it } from "vitest";
import type { KubeApis } from "../apis.ts";
import { quickstackCrds } from "./index.ts";
import { installCrds } from "./install.ts";

// installCrds hands over only once every kind answers a list: a real API server serves a new
// CRD's resources a moment after creating it (404 first, then 429 while storage initializes),
// and callers (reconcilers) list and watch at once. The server here is a stub that answers
// lists 404 until `servedAfter` calls.

function stubApis(servedAfter: number): { apis: KubeApis; created: string[]; lists: () => number } {
  const created: string[] = [];
  let lists = 0;
  const apis = {
    crds: {
      create: (body: { metadata?: { name?: string } }) => {
        created.push(body.metadata?.name ?? "");
        return Promise.resolve(body);
      },
    },
    rest: {
      json: (method: string, path: string) => {
        lists++;
        if (method !== "GET" || !path.startsWith("/apis/quickstack.dev/")) return Promise.reject(new Error(`unexpected ${method} ${path}`));
        return lists <= servedAfter ? Promise.reject(new Error(`GET ${path}: HTTP 404: 404 page not found`)) : Promise.resolve({ items: [] });
      },
    },
  } as unknown as KubeApis;
  return { apis, created, lists: () => lists };
}

describe("installCrds", () => {
  it("waits until each CRD's resources are served", async () => {
    const stub = stubApis(3);
    await installCrds(stub.apis);
    expect(stub.created).toEqual([...quickstackCrds().keys()].map((k) => quickstackCrds().get(k)?.metadata.name));
    // Three refused lists, then one answered list per CRD.
    expect(stub.lists()).toBe(3 + quickstackCrds().size);
  });

  it("gives up with a clear error when a CRD is never served", async () => {
    const stub = stubApis(Number.POSITIVE_INFINITY);
    await expect(installCrds(stub.apis, { servedWithinMs: 300 })).rejects.toMatchObject({ code: "CRD_NOT_SERVED", hint: expect.stringContaining("kubectl get crd") });
  });
});
