export * from "./env.ts";
export * from "./domain.ts";
export * from "./quantity.ts";
export * from "./scale.ts";
export * from "./volume.ts";
export * from "./ref.ts";
export * from "./paths.ts";
export * from "./image.ts";
