export * from "./connection.ts";
