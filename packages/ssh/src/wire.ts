import type { Socket } from "node:net";
import type ssh2 from "ssh2";

// ssh2 has no public API for the two messages below, so they are written with the
// connection's own packet writer and cipher. Everything is checked at run time: if a
// future ssh2 moves these internals, the functions return false and the caller goes on
// without the message (the refusal itself does not depend on them).

/** The parts of ssh2's Protocol object used here. */
interface Protocol {
  _kexinit?: unknown;
  _packetRW: { write: { allocStart: number; alloc(size: number): Buffer; finalize(packet: Buffer): Buffer } };
  _cipher: { encrypt(packet: Buffer): void };
  channelExtData(chan: number, data: Buffer, type: number): void;
  exitStatus(chan: number, status: number): void;
  channelEOF(chan: number): void;
  channelClose(chan: number): void;
}

/** SSH_MSG_USERAUTH_BANNER (RFC 4252 §5.4). */
const USERAUTH_BANNER = 53;
/** SSH_EXTENDED_DATA_STDERR (RFC 4254 §5.2). */
const STDERR = 1;

function protocolOf(client: ssh2.Connection): Protocol | undefined {
  const proto = (client as unknown as { _protocol?: Partial<Protocol> })._protocol;
  if (
    typeof proto?._packetRW?.write.alloc !== "function" ||
    typeof proto._cipher?.encrypt !== "function" ||
    typeof proto.channelExtData !== "function"
  ) {
    return undefined;
  }
  return proto as Protocol;
}

/**
 * Sends a banner the client shows during authentication (OpenSSH prints it at its default
 * log level). RFC 4252 allows it at any time before authentication succeeds.
 */
export function sendAuthBanner(client: ssh2.Connection, text: string): boolean {
  const proto = protocolOf(client);
  // Mid key exchange the packet would have to be queued; a banner is not worth that.
  if (proto === undefined || proto._kexinit !== undefined) return false;
  const message = text.endsWith("\r\n") ? text : `${text.replace(/\n$/, "")}\r\n`;
  const length = Buffer.byteLength(message);
  const writer = proto._packetRW.write;
  let p = writer.allocStart;
  const packet = writer.alloc(1 + 4 + length + 4);
  packet[p] = USERAUTH_BANNER;
  packet.writeUInt32BE(length, ++p);
  packet.write(message, (p += 4), length, "utf8");
  packet.writeUInt32BE(0, p + length); // empty language tag
  proto._cipher.encrypt(writer.finalize(packet));
  return true;
}

/**
 * Ends a session channel that never got its exec request through: `message` on stderr,
 * then exit status, EOF and close, so the client prints the reason and exits with `code`
 * instead of "closed by remote host". Outbound packets only, so it still works when ssh2
 * has just refused an inbound packet and is about to end the connection.
 */
export function failSession(client: ssh2.Connection, remoteChannel: number, message: string, code: number): boolean {
  const proto = protocolOf(client);
  if (proto === undefined || proto._kexinit !== undefined) return false;
  proto.channelExtData(remoteChannel, Buffer.from(message, "utf8"), STDERR);
  proto.exitStatus(remoteChannel, code);
  proto.channelEOF(remoteChannel);
  proto.channelClose(remoteChannel);
  return true;
}

/** The client's channel number of an accepted session (ssh2 keeps it in `_chanInfo`). */
export function remoteChannelOf(session: unknown): number | undefined {
  const id = (session as { _chanInfo?: { outgoing?: { id?: unknown } } })._chanInfo?.outgoing?.id;
  return typeof id === "number" ? id : undefined;
}

/**
 * After ssh2 refused an inbound packet it ends the socket at once; OpenSSH then races the
 * TCP FIN against the channel close just sent and may add "Connection … closed by remote
 * host". This stops feeding the (now desynchronised) parser and lets the client close
 * first, ending the socket after `graceMs` only if it does not.
 */
export function letClientCloseFirst(client: ssh2.Connection, graceMs: number): void {
  const socket = (client as unknown as { _sock?: Socket })._sock;
  if (socket === undefined || typeof socket.end !== "function") return;
  socket.removeAllListeners("data");
  socket.resume();
  const end = socket.end.bind(socket);
  let timer: NodeJS.Timeout | undefined;
  socket.end = (): Socket => {
    timer ??= setTimeout(() => end(), graceMs);
    return socket;
  };
  socket.once("close", () => clearTimeout(timer));
}
