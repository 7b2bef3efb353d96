import { describe, expect, it } from "vitest";
import { exposedPorts, portNotes } from "./exposed-ports.ts";

describe("exposedPorts", () => {
  it("reads EXPOSE of the final stage, with continuations, comments and protocols", () => {
    const text = [
      "# syntax=docker/dockerfile:1",
      "FROM node:24 AS build",
      "EXPOSE 9229",
      "RUN npm ci",
      "FROM node:24-slim",
      "# the app",
      "expose 3000/tcp \\",
      "  # a comment inside the continuation",
      "  8080",
      'CMD ["node", "server.js"]',
    ].join("\n");
    expect(exposedPorts(text)).toEqual(["3000/tcp", "8080"]);
  });

  it("follows stages built FROM an earlier stage by name (EXPOSE is inherited)", () => {
    const text = "FROM debian:13 AS base\nEXPOSE 4000\nFROM base AS app\nEXPOSE 4001\nFROM app\n";
    expect(exposedPorts(text)).toEqual(["4000", "4001"]);
    // A stage named like its own base image builds on the image, not on itself.
    expect(exposedPorts("FROM node AS node\nEXPOSE 2\n")).toEqual(["2"]);
    // Only the final stage's chain counts: an unrelated earlier stage's EXPOSE does not.
    expect(exposedPorts("FROM a AS one\nEXPOSE 1\nFROM b\nEXPOSE 2\n")).toEqual(["2"]);
  });

  it("honours the escape directive", () => {
    expect(
      exposedPorts("# escape=`\nFROM mcr.microsoft.com/windows\nEXPOSE 80 `\n  443\n"),
    ).toEqual(["80", "443"]);
  });

  it("is empty without EXPOSE", () => {
    expect(exposedPorts("FROM scratch\nCOPY . /app\n")).toEqual([]);
  });
});

describe("portNotes", () => {
  const note =
    "       The web process must listen on $PORT (QuickStack sets PORT=5000 and sends its traffic there)";

  it("always says the app must listen on $PORT", () => {
    expect(portNotes("FROM scratch\n", 5000)).toEqual([note]);
  });

  it("warns when the Dockerfile EXPOSEs only other ports", () => {
    const lines = portNotes("FROM node:24\nEXPOSE 3000\nCMD node server.js\n", 5000);
    expect(lines[0]).toBe(note);
    expect(lines[1]).toBe(
      "!     Warning: the Dockerfile EXPOSEs 3000, but traffic goes to $PORT (5000); EXPOSE does not change that.",
    );
    expect(lines[2]).toMatch(/^! {5}Make the app listen on \$PORT/);
    expect(portNotes("FROM x\nEXPOSE 8000-8010/udp\n", 5000)).toHaveLength(3);
  });

  it("does not warn when PORT is among the exposed ports, by number, range or variable", () => {
    for (const expose of [
      "5000",
      "5000/tcp 9090",
      "4000-6000",
      "$PORT",
      "${PORT}",
      "${PORT:-8080}",
      "$OTHER_PORT",
    ])
      expect(portNotes(`FROM x\nEXPOSE ${expose}\n`, 5000), expose).toEqual([note]);
  });
});
