export * from "./password.ts";
export * from "./totp.ts";
export * from "./recovery.ts";
