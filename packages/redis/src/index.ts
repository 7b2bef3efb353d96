export * from "./connection.ts";
export * from "./sessions.ts";
export * from "./login-throttle.ts";
export * from "./metrics.ts";
export * from "./delivery-log.ts";
