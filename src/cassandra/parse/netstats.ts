/**
 * `nodetool netstats [-H]`:
 *
 * ```
 * Mode: NORMAL
 * Not sending any streams.                        (only without streams)
 * Repair 86ac1e00-2e21-11ef-803d-3f1a2b3c4d5e     (per stream plan: description + plan id)
 *     /10.0.1.12                                  (per peer, 4 spaces)
 *         Receiving 4 files, 734003200 bytes total. Already received 1 files, 281018368 bytes total
 *             <file> 59572224/183500800 bytes(32%) received from idx:0/10.0.1.12
 * Read Repair Statistics:
 * Attempted: 12873
 * ...
 * Pool Name                    Active   Pending      Completed   Dropped
 * Large messages                  n/a         0           1527         0
 * ```
 * 4.0+ adds `(29.03%)` after the counts, a space before `(37%)`, and `-H`
 * sizes (`131 GiB`). Descriptions can contain spaces (`Restore replica count`).
 */
import { canonicalHost } from "../address.js";
import { fail, isUuid, ok, parseInteger, parseSize, trimmedLines, words, type ParseResult } from "./common.js";

export interface StreamTransfer {
  readonly direction: "receiving" | "sending";
  readonly totalFiles: number | null;
  readonly totalBytes: number | null;
  readonly doneFiles: number | null;
  readonly doneBytes: number | null;
}

export interface StreamPeer {
  readonly address: string;
  readonly host: string | null;
  readonly transfers: readonly StreamTransfer[];
  /** File lines in progress (below 100%). */
  readonly filesInProgress: number;
}

export interface StreamPlan {
  /** Repair, Bootstrap, Rebuild, Unbootstrap (decommission), Relocation, Restore replica count, Bulk Load, Other. */
  readonly description: string;
  readonly planId: string;
  readonly peers: readonly StreamPeer[];
}

export interface MessagingPool {
  readonly name: string;
  readonly pending: number | null;
  readonly completed: number | null;
  readonly dropped: number | null;
}

export interface NetStats {
  /** NORMAL, STARTING, JOINING, LEAVING, DECOMMISSIONED, MOVING, DRAINING, DRAINED (5.0: JOINING_FAILED, DECOMMISSION_FAILED). */
  readonly mode: string | null;
  readonly streams: readonly StreamPlan[];
  readonly readRepair: { attempted: number | null; mismatchBlocking: number | null; mismatchBackground: number | null } | null;
  readonly pools: readonly MessagingPool[];
}


export function parseNetStats(stdout: string): ParseResult<NetStats> {
  let mode: string | null = null;
  const streams: Array<{ description: string; planId: string; peers: Array<{ address: string; host: string | null; transfers: StreamTransfer[]; filesInProgress: number }> }> = [];
  let readRepair: { attempted: number | null; mismatchBlocking: number | null; mismatchBackground: number | null } | null = null;
  const pools: MessagingPool[] = [];
  let inPools = false;
  let sawAnything = false;

  for (const raw of trimmedLines(stdout)) {
    const line = raw.trim();
    if (line === "") continue;
    const indent = raw.length - raw.trimStart().length;
    if (line.startsWith("Mode:")) {
      mode = line.slice("Mode:".length).trim() || null;
      sawAnything = true;
      continue;
    }
    if (line === "Not sending any streams.") {
      sawAnything = true;
      continue;
    }
    if (line === "Read Repair Statistics:") {
      readRepair = { attempted: null, mismatchBlocking: null, mismatchBackground: null };
      sawAnything = true;
      continue;
    }
    if (readRepair !== null && !inPools) {
      const rr = /^(Attempted|Mismatch \(Blocking\)|Mismatch \(Background\)): (\S+)$/.exec(line);
      if (rr) {
        const v = parseInteger(rr[2] ?? "");
        if (rr[1] === "Attempted") readRepair.attempted = v;
        else if (rr[1] === "Mismatch (Blocking)") readRepair.mismatchBlocking = v;
        else readRepair.mismatchBackground = v;
        continue;
      }
    }
    if (line.startsWith("Pool Name")) {
      inPools = true;
      sawAnything = true;
      continue;
    }
    if (inPools) {
      const pool = poolLine(line);
      if (pool !== null) pools.push(pool);
      continue;
    }
    if (indent === 0) {
      // A stream plan: `<Description> <planId>`.
      const w = words(line);
      const planId = w[w.length - 1] ?? "";
      if (w.length >= 2 && isUuid(planId)) {
        streams.push({ description: w.slice(0, -1).join(" "), planId: planId.toLowerCase(), peers: [] });
        sawAnything = true;
      }
      continue;
    }
    const plan = streams[streams.length - 1];
    if (plan === undefined) continue;
    const peer = plan.peers[plan.peers.length - 1];
    const transfer = parseTransfer(line);
    if (transfer !== null) {
      peer?.transfers.push(transfer);
      continue;
    }
    const filePercent = parseFileLinePercent(line);
    if (filePercent !== null) {
      if (peer !== undefined && filePercent < 100) peer.filesInProgress++;
      continue;
    }
    if (indent <= 6) {
      // A peer: `/10.0.1.12`, `host/10.0.1.12`, optionally ` (using /10.0.1.99)`.
      const address = words(line)[0] ?? "";
      plan.peers.push({ address, host: canonicalHost(address), transfers: [], filesInProgress: 0 });
    }
  }
  if (!sawAnything) return fail("no `Mode:` line, stream or pool table in nodetool netstats output");
  return ok({ mode, streams, readRepair, pools });
}

/**
 * `Receiving 4 files, 734003200 bytes total. Already received 1 files, 281018368 bytes total`
 * (3.11) or `Sending 31 files, 131 GiB total. Already sent 9 files (29.03%), 39 GiB total (29.77%)`
 * (4.0+). Cut with string operations: sizes contain spaces and a regex over
 * the whole line could backtrack on garbage.
 */
function parseTransfer(line: string): StreamTransfer | null {
  const direction = line.startsWith("Receiving ") ? "receiving" : line.startsWith("Sending ") ? "sending" : null;
  if (direction === null) return null;
  const split = line.indexOf(" total. Already ");
  if (split < 0) return null;
  const head = /^(?:Receiving|Sending) (\d{1,12}) files, (.*)$/.exec(line.slice(0, split));
  let tail = line.slice(split + " total. Already ".length);
  tail = tail.replace(/^(?:received|sent) /, "");
  if (tail.endsWith(")")) {
    const open = tail.lastIndexOf(" (");
    if (open >= 0) tail = tail.slice(0, open);
  }
  if (!head || !tail.endsWith(" total")) return null;
  tail = tail.slice(0, -" total".length);
  const comma = tail.indexOf(", ");
  if (comma < 0) return null;
  const doneFiles = /^(\d{1,12}) files/.exec(tail.slice(0, comma));
  return {
    direction,
    totalFiles: parseInteger(head[1] ?? ""),
    totalBytes: parseSize(head[2] ?? ""),
    doneFiles: doneFiles ? parseInteger(doneFiles[1] ?? "") : null,
    doneBytes: parseSize(tail.slice(comma + 2)),
  };
}

/** `<file> 59572224/183500800 bytes(32%) received from idx:0/10.0.1.12` (4.0+: `bytes (32%)`) → 32. */
function parseFileLinePercent(line: string): number | null {
  const w = words(line);
  const at = w.findIndex((x) => /^\d{1,20}\/\d{1,20}$/.test(x));
  if (at < 0) return null;
  const next = w[at + 1] ?? "";
  const pct = next === "bytes" ? (w[at + 2] ?? "") : next.startsWith("bytes") ? next.slice("bytes".length) : "";
  const m = /^\((\d{1,3})%\)$/.exec(pct);
  if (!m) return null;
  const dir = w[at + (next === "bytes" ? 3 : 2)];
  return dir === "received" || dir === "sent" ? Number(m[1]) : null;
}

/** A row of the messaging pool table: `%-25s%10s%10s%15s%10s`: the name may contain spaces, the 4 counts do not. */
function poolLine(line: string): MessagingPool | null {
  const w = words(line);
  if (w.length < 5) return null;
  const [pending, completed, dropped] = w.slice(-3);
  return {
    name: w.slice(0, -4).join(" "),
    pending: parseInteger(pending ?? ""),
    completed: parseInteger(completed ?? ""),
    dropped: parseInteger(dropped ?? ""),
  };
}
