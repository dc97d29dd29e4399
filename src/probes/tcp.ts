/** One TCP connect with a deadline: connected or not, and how long it took. */
import { connect } from "node:net";

export type TcpOutcome =
  | { ok: true; latencyMs: number }
  | { ok: false; kind: "refused" | "timeout" | "unreachable" | "dns" | "error"; reason: string };

export function tcpConnect(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<TcpOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ host, port });
    let settled = false;
    const finish = (outcome: TcpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = () => finish({ ok: false, kind: "timeout", reason: "aborted at the deadline" });
    const timer = setTimeout(() => finish({ ok: false, kind: "timeout", reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => finish({ ok: true, latencyMs: performance.now() - started }));
    socket.once("error", (error: NodeJS.ErrnoException) => {
      const code = error.code ?? "";
      const kind = code === "ECONNREFUSED" ? "refused"
        : code === "ETIMEDOUT" ? "timeout"
        : code === "EHOSTUNREACH" || code === "ENETUNREACH" ? "unreachable"
        : code === "ENOTFOUND" || code === "EAI_AGAIN" ? "dns" : "error";
      finish({ ok: false, kind, reason: `${code || "error"}: ${error.message}` });
    });
  });
}
