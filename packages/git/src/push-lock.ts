import { CancelledError } from "@qs/core";

/** Who holds an app's deploy lock and since when (ms since epoch). */
export interface LockHolder {
  readonly user: string;
  readonly since: number;
}

/** One deploy per app at a time; pushes to different apps do not wait for each other. */
export interface PushLock {
  /**
   * Waits for the app's lock (FIFO). `onWait` is called once with the current holder when
   * the caller has to wait. Rejects with CancelledError if `signal` aborts while waiting.
   * Resolves to the release function (idempotent).
   */
  acquire(
    app: string,
    user: string,
    signal: AbortSignal,
    onWait: (holder: LockHolder) => void,
  ): Promise<() => void>;
  /** The current holder of the app's lock, if any. */
  holder(app: string): LockHolder | undefined;
}

interface Waiter {
  readonly user: string;
  readonly grant: () => void;
}

/**
 * An in-process lock. Enough because there is exactly one control-plane replica (the
 * Deployment runs one pod with the repo volume); several replicas would need a Redis lock.
 */
export function createPushLock(now: () => number = Date.now): PushLock {
  const held = new Map<string, { holder: LockHolder; waiters: Waiter[] }>();

  const releaseFor = (app: string): (() => void) => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const state = held.get(app);
      if (state === undefined) return;
      const next = state.waiters.shift();
      if (next === undefined) {
        held.delete(app);
        return;
      }
      state.holder = { user: next.user, since: now() };
      next.grant();
    };
  };

  return {
    holder: (app) => held.get(app)?.holder,
    acquire(app, user, signal, onWait) {
      if (signal.aborted) return Promise.reject(new CancelledError("the push was cancelled"));
      const state = held.get(app);
      if (state === undefined) {
        held.set(app, { holder: { user, since: now() }, waiters: [] });
        return Promise.resolve(releaseFor(app));
      }
      onWait(state.holder);
      return new Promise((resolve, reject) => {
        const waiter: Waiter = {
          user,
          grant: () => {
            signal.removeEventListener("abort", onAbort);
            resolve(releaseFor(app));
          },
        };
        const onAbort = (): void => {
          const i = state.waiters.indexOf(waiter);
          if (i >= 0) state.waiters.splice(i, 1);
          reject(new CancelledError("the push was cancelled while waiting"));
        };
        signal.addEventListener("abort", onAbort, { once: true });
        state.waiters.push(waiter);
      });
    },
  };
}
