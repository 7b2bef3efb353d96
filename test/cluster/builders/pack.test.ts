import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tarTree } from "./pack.ts";

const work = mkdtempSync(join(tmpdir(), "qs-pack-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sha = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");

describe("tarTree", () => {
  it("packs the same tree to the same bytes at another time (layer digests, and so build caches, hold)", async () => {
    const source = join(work, "bundle.crt");
    writeFileSync(source, "certificate\n");
    const tree = { files: { "/etc/ssl/bundle.crt": source }, texts: { "/etc/motd": "hi\n" }, capabilities: {}, empty: ["/var/lib/app"] };
    tarTree(tree, join(work, "a.tar"));
    await new Promise((r) => setTimeout(r, 1_100)); // every staged file gets other times
    tarTree(tree, join(work, "b.tar"));
    expect(sha(join(work, "b.tar"))).toBe(sha(join(work, "a.tar")));
  });
});
