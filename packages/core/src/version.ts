/** QuickStack's version, printed by `version` and `/version`. */
export const QS_VERSION = "0.1.0";
