export * from "./user-record.ts";
export * from "./user-store.ts";
export * from "./audit-log.ts";
