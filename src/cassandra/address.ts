/**
 * Addresses as nodetool prints them, reduced to one canonical form so that a
 * configured peer can be found in the ring whatever the notation:
 *
 * - `10.0.0.2`, `/10.0.0.2`, `host.example/10.0.0.2` (`InetAddress.toString()`),
 *   `10.0.0.2:7000`, `/10.0.0.2:7000` (`InetAddressAndPort`);
 * - IPv6 uncompressed as Java prints it (`2001:db8:0:0:0:0:0:11`), compressed
 *   (`2001:db8::11`), bracketed with a port (`[2001:db8::11]:7000`), with a
 *   `%scope` suffix; IPv4-mapped IPv6 (`::ffff:10.0.0.2`) is the IPv4 address.
 *
 * IPv6 is canonicalised to RFC 5952 (lowercase, no leading zeros, the longest
 * run of zero groups as `::`). Pure string work: nothing here resolves names or
 * opens sockets.
 */

export type HostKind = "ipv4" | "ipv6" | "name";

export interface Endpoint {
  /** Canonical host: dotted IPv4, RFC 5952 IPv6, or a lowercase host name. */
  readonly host: string;
  readonly kind: HostKind;
  readonly port: number | null;
}

const MAX_ADDRESS_CHARS = 300; // longer than any host name or address: garbage

export function parseEndpoint(text: string): Endpoint | null {
  if (typeof text !== "string") return null;
  let t = text.trim();
  if (t === "" || t.length > MAX_ADDRESS_CHARS) return null;
  // `InetAddress.toString()` is `hostname/ip` or `/ip`: the part after the
  // slash is the address.
  const slash = t.lastIndexOf("/");
  if (slash >= 0) t = t.slice(slash + 1);
  if (t === "") return null;

  let hostPart: string;
  let portPart: string | null = null;
  if (t.startsWith("[")) {
    const close = t.indexOf("]");
    if (close < 0) return null;
    hostPart = t.slice(1, close);
    const rest = t.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return null;
      portPart = rest.slice(1);
    }
    const v6 = parseIpv6(stripScope(hostPart));
    return v6 === null ? null : withPort(v6, portPart);
  }
  const colons = countChar(t, ":");
  if (colons >= 2) {
    const v6 = parseIpv6(stripScope(t));
    return v6 === null ? null : withPort(v6, null);
  }
  if (colons === 1) {
    const at = t.indexOf(":");
    hostPart = t.slice(0, at);
    portPart = t.slice(at + 1);
  } else {
    hostPart = t;
  }
  const v4 = parseIpv4(hostPart);
  if (v4 !== null) return withPort({ host: v4, kind: "ipv4" }, portPart);
  if (/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252})$/.test(hostPart) && /[A-Za-z]/.test(hostPart)) {
    return withPort({ host: hostPart.toLowerCase(), kind: "name" }, portPart);
  }
  return null;
}

/** The canonical host of an address in any notation above; null if it is none. */
export function canonicalHost(text: string): string | null {
  return parseEndpoint(text)?.host ?? null;
}

function withPort(base: { host: string; kind: HostKind }, portPart: string | null): Endpoint | null {
  if (portPart === null) return { ...base, port: null };
  if (!/^\d{1,5}$/.test(portPart)) return null;
  const port = Number(portPart);
  return port <= 65_535 ? { ...base, port } : null;
}

function stripScope(text: string): string {
  const pct = text.indexOf("%");
  return pct < 0 ? text : text.slice(0, pct);
}

function countChar(text: string, ch: string): number {
  let n = 0;
  for (const c of text) if (c === ch) n++;
  return n;
}

function parseIpv4(text: string): string | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out.join(".");
}

/** IPv6 text to its canonical form, or the IPv4 address for IPv4-mapped ones. */
function parseIpv6(text: string): { host: string; kind: HostKind } | null {
  if (text === "" || text.length > 45) return null; // 45 = longest IPv6 text with an IPv4 tail
  const groups = ipv6Groups(text);
  if (groups === null) return null;
  // ::ffff:a.b.c.d is how an IPv4 address travels through IPv6 APIs.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const hi = groups[6] ?? 0;
    const lo = groups[7] ?? 0;
    return { host: `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`, kind: "ipv4" };
  }
  return { host: formatIpv6(groups), kind: "ipv6" };
}

function ipv6Groups(text: string): number[] | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = parseGroupList(halves[0] ?? "");
  const tail = halves.length === 2 ? parseGroupList(halves[1] ?? "") : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function parseGroupList(text: string): number[] | null {
  if (text === "") return [];
  const parts = text.split(":");
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? "";
    if (i === parts.length - 1 && p.includes(".")) {
      const v4 = parseIpv4(p);
      if (v4 === null) return null;
      const [a, b, c, d] = v4.split(".").map(Number);
      out.push(((a ?? 0) << 8) | (b ?? 0), ((c ?? 0) << 8) | (d ?? 0));
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
    out.push(parseInt(p, 16));
  }
  return out;
}

function formatIpv6(groups: readonly number[]): string {
  // RFC 5952: compress the longest run (at least two groups) of zeros, the first on a tie.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}
