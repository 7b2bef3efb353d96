export * from "./app.ts";
export * from "./serve.ts";
export * from "./status/index.ts";
export * from "./terminal/hub.ts";
export type { TerminalEnd, TerminalRequest } from "./terminal/run-session.ts";
export * from "./webhooks/verify.ts";
export * from "./webhooks/route.ts";
