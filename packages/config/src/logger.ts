import { pino, type DestinationStream, type LoggerOptions } from "pino";
import type { Logger } from "@qs/core";
import type { QsConfig } from "./config.ts";

/**
 * Paths whose values never reach the log: credentials, tokens, config var values and TOTP
 * secrets. pino replaces them with "[redacted]" before serialising.
 */
export const REDACT_PATHS: readonly string[] = [
  "password",
  "*.password",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "totpSecret",
  "*.totpSecret",
  "vars",
  "*.vars",
  "env",
  "*.env",
  "values",
  "*.values",
  "value",
  "*.value",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.cookie",
  "cookie",
  "*.cookie",
  "recoveryCodes",
  "*.recoveryCodes",
  "privateKey",
  "*.privateKey",
];

/** Creates the process logger: JSON in production, readable lines in development. */
export function createLogger(
  config: Pick<QsConfig, "logLevel" | "logFormat">,
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level: config.logLevel,
    base: { service: "quickstack" },
    redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
  };
  if (config.logFormat === "pretty" && destination === undefined) {
    return pino({
      ...options,
      // Colour only for a terminal: a log file or pipe would keep the escape codes.
      transport: {
        target: "pino-pretty",
        options: { colorize: process.stdout.isTTY === true, translateTime: "HH:MM:ss" },
      },
    });
  }
  return destination === undefined ? pino(options) : pino(options, destination);
}
