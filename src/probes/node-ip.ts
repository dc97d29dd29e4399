/**
 * nodekeeperIp: an IP address, never a host name (contract section 1). The
 * configured `nodeIp`, else the local address of the route towards Mission
 * Control (a UDP "connect" only picks the route: it sends no packet), else the
 * first non-internal interface address.
 */
import { createSocket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";

export async function routeSourceAddress(targetIp: string): Promise<string | null> {
  const family = isIP(targetIp);
  if (family === 0) return null;
  return new Promise((resolve) => {
    const socket = createSocket(family === 6 ? "udp6" : "udp4");
    const done = (value: string | null) => {
      socket.close();
      resolve(value);
    };
    socket.once("error", () => done(null));
    socket.connect(9, targetIp, () => {
      try {
        done(socket.address().address);
      } catch {
        done(null);
      }
    });
  });
}

export function firstInterfaceAddress(): string | null {
  const all = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  const pick = all.find((a) => !a.internal && a.family === "IPv4") ?? all.find((a) => !a.internal && a.family === "IPv6" && !a.address.startsWith("fe80"));
  return pick?.address ?? null;
}

export async function resolveNodeIp(configured: string | undefined, missionControlUrl: string | undefined): Promise<string> {
  if (configured) return configured;
  if (missionControlUrl) {
    const host = new URL(missionControlUrl).hostname.replace(/^\[|\]$/g, "");
    const ip = isIP(host) ? host : await lookupWithin(host, 1_000); // 1 s: the sender resolves it again anyway
    const viaRoute = ip ? await routeSourceAddress(ip) : null;
    if (viaRoute) return viaRoute;
  }
  return firstInterfaceAddress() ?? "127.0.0.1";
}

async function lookupWithin(host: string, ms: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([lookup(host).then((r) => r.address, () => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
