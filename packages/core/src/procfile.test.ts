import { describe, expect, it } from "vitest";
import { isProcessType, parseProcfile } from "./procfile.ts";

describe("parseProcfile", () => {
  it("reads process types in order and keeps release apart", () => {
    const procfile = parseProcfile(
      "# comment\n\nweb: gunicorn app:app --bind 0.0.0.0:$PORT\r\nworker:  celery -A app worker \nrelease: python manage.py migrate\n",
    );
    expect(procfile.processes).toEqual({
      web: "gunicorn app:app --bind 0.0.0.0:$PORT",
      worker: "celery -A app worker",
    });
    expect(Object.keys(procfile.processes)).toEqual(["web", "worker"]);
    expect(procfile.release).toBe("python manage.py migrate");
  });

  it("keeps colons inside commands", () => {
    expect(parseProcfile("web: node -e 'console.log(1)' --x=a:b").processes.web).toBe(
      "node -e 'console.log(1)' --x=a:b",
    );
  });

  it("has no release when none is given", () => {
    expect(parseProcfile("web: ./app").release).toBeUndefined();
  });

  it.each([
    ["web node server.js", /line 1 is not "type: command"/],
    ["Web_1: x", /process type "Web_1" is not valid/],
    ["web:", /has no command/],
    ["web: a\nweb: b", /line 2: "web" is defined twice/],
    ["release: a\nrelease: b", /"release" is defined twice/],
  ])("refuses %j", (text, message) => {
    expect(() => parseProcfile(text)).toThrow(message);
  });

  it("accepts only DNS-1123 process types", () => {
    expect(isProcessType("worker-2")).toBe(true);
    expect(isProcessType("-x")).toBe(false);
    expect(isProcessType("x".repeat(25))).toBe(false);
  });
});
