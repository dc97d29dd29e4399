/**
 * Just enough HTTP/1.1 for a health check: the request line we send, and a
 * strict parser for the one answer we read back (status and body, framed by
 * Content-Length, chunked encoding, or the connection's end).
 *
 * Why not node:http: on a thousand peers the probe is CPU-bound on two cores
 * (TLS handshakes), and ClientRequest, its parser and IncomingMessage cost a
 * measurable share per sample for an answer of one word. Anything this parser
 * does not understand is a wrong answer, never a guess.
 */

/** The health answer is one word; anything longer is not the endpoint we mean. */
export const MAX_BODY_BYTES = 4_096; // 4 KiB
/** Status line and headers. */
export const MAX_HEAD_BYTES = 16_384; // 16 KiB, as Node's own default

export type ParsedResponse =
  | { readonly state: "partial" }
  | { readonly state: "done"; readonly status: number; readonly body: Buffer }
  | { readonly state: "invalid"; readonly reason: string };

const PARTIAL: ParsedResponse = { state: "partial" };
const CRLF = Buffer.from("\r\n");
const HEAD_END = Buffer.from("\r\n\r\n");

function invalid(reason: string): ParsedResponse {
  return { state: "invalid", reason };
}

/** `GET path HTTP/1.1` with Host, and Connection: close (one request per connection). */
export function healthRequest(path: string, host: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: nodekeeper\r\nAccept: text/plain\r\nConnection: close\r\n\r\n`;
}

/**
 * Parses what has arrived so far. `ended`: the peer has closed its side, so
 * nothing more will come. Returns "partial" until the answer is complete.
 */
export function parseResponse(data: Buffer, ended: boolean): ParsedResponse {
  let offset = 0;
  // 1xx interim answers (100 Continue, 103 Early Hints) precede the real one.
  for (let interim = 0; interim < 8; interim++) {
    const headEnd = data.indexOf(HEAD_END, offset);
    if (headEnd < 0) {
      if (data.length - offset > MAX_HEAD_BYTES) return invalid(`headers over ${MAX_HEAD_BYTES} bytes`);
      return ended ? invalid(data.length === offset ? "connection closed without an answer" : "connection closed inside the headers") : PARTIAL;
    }
    if (headEnd - offset > MAX_HEAD_BYTES) return invalid(`headers over ${MAX_HEAD_BYTES} bytes`);
    const lines = data.subarray(offset, headEnd).toString("latin1").split("\r\n");
    const statusLine = /^HTTP\/1\.[01] (\d{3})(?: [^\r\n]*)?$/.exec(lines[0] ?? "");
    if (!statusLine) return invalid("not an HTTP/1.x answer");
    const status = Number(statusLine[1]);
    const bodyStart = headEnd + HEAD_END.length;
    if (status >= 100 && status < 200) {
      offset = bodyStart;
      continue;
    }
    let contentLength: number | undefined;
    let chunked = false;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon <= 0) return invalid("malformed header line");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === "content-length") {
        if (!/^\d{1,15}$/.test(value)) return invalid("malformed Content-Length");
        const length = Number(value);
        if (contentLength !== undefined && contentLength !== length) return invalid("conflicting Content-Length headers");
        contentLength = length;
      } else if (name === "transfer-encoding") {
        const codings = value.toLowerCase().split(",").map((s) => s.trim());
        if (codings.at(-1) !== "chunked" || codings.length > 1) return invalid(`unsupported Transfer-Encoding "${value}"`);
        chunked = true;
      }
    }
    const rest = data.subarray(bodyStart);
    if (chunked) {
      // RFC 9112 6.3: Transfer-Encoding overrides Content-Length; both is a smell we refuse.
      if (contentLength !== undefined) return invalid("both Content-Length and Transfer-Encoding");
      return parseChunked(rest, status, ended);
    }
    if (status === 204 || status === 304) return { state: "done", status, body: Buffer.alloc(0) };
    if (contentLength !== undefined) {
      if (contentLength > MAX_BODY_BYTES) return invalid(`body over ${MAX_BODY_BYTES} bytes`);
      if (rest.length >= contentLength) return { state: "done", status, body: rest.subarray(0, contentLength) };
      return ended ? invalid("connection closed inside the body") : PARTIAL;
    }
    // No framing: the body runs to the end of the connection (we asked for Connection: close).
    if (rest.length > MAX_BODY_BYTES) return invalid(`body over ${MAX_BODY_BYTES} bytes`);
    return ended ? { state: "done", status, body: rest } : PARTIAL;
  }
  return invalid("too many interim answers");
}

function parseChunked(data: Buffer, status: number, ended: boolean): ParsedResponse {
  const parts: Buffer[] = [];
  let size = 0;
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf(CRLF, offset);
    if (lineEnd < 0) {
      if (data.length - offset > 1_024) return invalid("malformed chunk size line");
      return ended ? invalid("connection closed inside the body") : PARTIAL;
    }
    const sizeText = data.subarray(offset, lineEnd).toString("latin1").split(";")[0]!.trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) return invalid("malformed chunk size");
    const chunkSize = parseInt(sizeText, 16);
    // The last chunk: the body is complete (trailers, if any, do not matter to us).
    if (chunkSize === 0) return { state: "done", status, body: Buffer.concat(parts, size) };
    size += chunkSize;
    if (size > MAX_BODY_BYTES) return invalid(`body over ${MAX_BODY_BYTES} bytes`);
    const chunkStart = lineEnd + CRLF.length;
    const chunkEnd = chunkStart + chunkSize;
    if (data.length < chunkEnd + CRLF.length) return ended ? invalid("connection closed inside the body") : PARTIAL;
    if (data[chunkEnd] !== 0x0d || data[chunkEnd + 1] !== 0x0a) return invalid("malformed chunk");
    parts.push(data.subarray(chunkStart, chunkEnd));
    offset = chunkEnd + CRLF.length;
  }
}
