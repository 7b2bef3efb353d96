export * from "./registry-client.ts";
export * from "./tiny-image.ts";
