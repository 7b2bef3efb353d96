/**
 * pkt-line framing (gitprotocol-common(5)): 4 hex digits of total length, then the data;
 * `0000` is a flush packet. Side-band channel 3 carries a fatal error the client prints
 * as `remote error: …` (gitprotocol-pack(5), "side-band, side-band-64k").
 */
export function pktLine(data: string | Buffer): Buffer {
  const body = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return Buffer.concat([
    Buffer.from((body.length + 4).toString(16).padStart(4, "0"), "ascii"),
    body,
  ]);
}

/** The flush packet. */
export const FLUSH = Buffer.from("0000", "ascii");

/** A side-band error packet (channel 3) followed by a flush. */
export function sidebandError(message: string): Buffer {
  return Buffer.concat([
    pktLine(Buffer.concat([Buffer.from([3]), Buffer.from(`${message}\n`, "utf8")])),
    FLUSH,
  ]);
}
