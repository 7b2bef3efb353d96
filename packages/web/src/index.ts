export * from "./app.ts";
export * from "./serve.ts";
export * from "./status/index.ts";
