export * from "./app.ts";
export * from "./serve.ts";
