import { EventEmitter } from "node:events";

// The log of one container run: timestamped lines, followers notified as lines arrive,
// and an end marker when the run stops (so `logs -f` ends like on a real kubelet).

export interface LogEntry {
  time: Date;
  text: string;
  stream: "stdout" | "stderr";
}

export class LogBuffer {
  readonly entries: LogEntry[] = [];
  ended = false;
  private readonly events = new EventEmitter();
  private readonly limit: number;

  constructor(limit = 10_000) {
    this.limit = limit;
    this.events.setMaxListeners(0);
  }

  write(text: string, stream: "stdout" | "stderr" = "stdout"): void {
    if (this.ended) return;
    const entry = { time: new Date(), text, stream };
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    this.events.emit("line", entry);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.events.emit("end");
  }

  /** Calls `onLine` for every new line until the run ends; returns the unsubscribe function. */
  follow(onLine: (e: LogEntry) => void, onEnd: () => void): () => void {
    this.events.on("line", onLine);
    this.events.on("end", onEnd);
    return () => {
      this.events.off("line", onLine);
      this.events.off("end", onEnd);
    };
  }
}
