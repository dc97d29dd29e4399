/** One TCP connect sample: the time from connect() to the established connection. */
import { connect, type Socket } from "node:net";
import { classifyError, failure, hostPort, type Sample } from "./outcome.js";
import type { RunScope } from "./scope.js";
import { settleOnce, trackClose } from "./socket.js";

/**
 * Connects to `address`:`port`, closes at once, and resolves with the connect
 * time; the socket's close is tracked by `scope`. Never rejects. `deadline` is a
 * `performance.now()` time in ms.
 */
export function tcpSample(address: string, port: number, deadline: number, scope: RunScope): Promise<Sample> {
  const where = hostPort(address, port);
  return new Promise<Sample>((resolve) => {
    const start = performance.now();
    const budget = Math.ceil(deadline - start); // ceil: the timer never fires before the deadline
    if (scope.cancelled) return resolve(failure("error", `not probed: ${scope.reason}`));
    if (budget <= 0) return resolve(failure("timeout", `no time left to connect to ${where}`));

    let socket: Socket;
    try {
      socket = connect({ host: address, port, noDelay: true });
    } catch (error) {
      // Only arguments the schema already refuses (a bad port) throw here.
      return resolve(classifyError(error, where));
    }
    const { finish } = settleOnce({
      scope, closing: trackClose(socket, false), budgetMs: budget, resolve,
      onTimeout: () => failure("timeout", `no answer from ${where} within ${budget} ms`),
    });
    // Errors after finish() (a late reset) are swallowed: the sample is decided.
    socket.on("error", (error) => finish(classifyError(error, where)));
    socket.once("connect", () => finish({ ok: true, ms: performance.now() - start, note: "" }));
  });
}
