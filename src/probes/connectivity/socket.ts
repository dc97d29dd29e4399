/** Shared end of every sample: destroy the socket, and resolve only once it is closed. */
import type { Duplex } from "node:stream";
import { failure, type Sample } from "./outcome.js";
import type { RunScope } from "./scope.js";

/**
 * How long we wait for a destroyed socket's 'close' event, in ms. Node emits it
 * within a loop turn or two; the bound only keeps a runtime bug from hanging
 * the probe past its deadline.
 */
const CLOSE_WAIT_MS = 1_000; // 1 s

export interface CloseTracker {
  /** Destroys the socket and calls `done` once its handle is closed (or after CLOSE_WAIT_MS). */
  destroyAndWait(done: () => void): void;
}

/**
 * Watches `socket` for 'close' from its creation on. `socket.closed` is no
 * use here: it turns true inside destroy(), before the handle is closed and
 * while a pending connect request is still counted by the runtime.
 *
 * `tls`: Node frees a TLS socket's native state in a setImmediate queued by
 * its own 'close' listener (which runs before ours); we report the close from
 * a setImmediate queued after it, so nothing of the socket is pending then.
 */
export function trackClose(socket: Duplex, tls: boolean): CloseTracker {
  let closed = false;
  let waiter: (() => void) | undefined;
  const onClosed = () => {
    closed = true;
    waiter?.();
  };
  socket.once("close", tls ? () => setImmediate(onClosed) : onClosed);
  return {
    destroyAndWait(done) {
      socket.destroy();
      if (closed) {
        done();
        return;
      }
      const guard = setTimeout(() => {
        waiter = undefined;
        done();
      }, CLOSE_WAIT_MS);
      waiter = () => {
        clearTimeout(guard);
        waiter = undefined;
        done();
      };
    },
  };
}

/**
 * The one way a sample ends: at its deadline (`onTimeout` says why, read when
 * it fires), on cancellation of the run, or by an event calling the returned
 * function; whichever comes first wins, the socket is destroyed, and the
 * sample resolves once its handle is closed.
 */
export function settleOnce(options: {
  readonly scope: RunScope;
  readonly closing: CloseTracker;
  readonly budgetMs: number;
  readonly onTimeout: () => Sample;
  readonly resolve: (sample: Sample) => void;
}): { finish: (sample: Sample) => void; settled: () => boolean } {
  const { scope, closing, resolve } = options;
  let result: Sample | undefined;
  const finish = (r: Sample) => {
    if (result) return;
    result = r;
    clearTimeout(timer);
    unregister();
    closing.destroyAndWait(scope.closing());
    resolve(r);
  };
  const timer = setTimeout(() => finish(options.onTimeout()), options.budgetMs);
  const unregister = scope.add(() => finish(failure("error", `cancelled: ${scope.reason}`)));
  return { finish, settled: () => result !== undefined };
}
