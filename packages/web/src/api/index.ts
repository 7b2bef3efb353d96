export * from "./router.ts";
export * from "./auth.ts";
