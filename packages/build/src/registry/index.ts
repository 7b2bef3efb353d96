export * from "./registry-client.ts";
