/**
 * The facts' values during one probe: read by it, or cached and usable
 * (fact-cache.ts). Cached values are parsed once per probe.
 */
import type { CassandraConfig } from "../config/cassandra.js";
import type { NodetoolCache } from "../state/nodetool-cache.js";
import { cachedValue } from "./fact-cache.js";
import { FACT_ORDER, variantFor, type FactName, type ParsedFact } from "./facts.js";
import { parseInfo } from "./parse/info.js";
import type { Sourced } from "./repair.js";

export class FactValues {
  private readonly fresh = new Map<FactName, unknown>();
  private readonly cachedValues = new Map<FactName, Sourced<unknown> | null>();

  constructor(
    private readonly cache: NodetoolCache,
    /** Wall-clock ms of this probe. */
    readonly now: number,
    /** This probe's cycle number. */
    readonly cycle: number,
    private readonly config: Pick<CassandraConfig, "cacheTtlMs" | "maxStaleFactor" | "everyCycles">,
  ) {}

  /** A fact's value: read now, or cached and not older than maxStaleFactor × TTL. */
  value<N extends FactName>(name: N): Sourced<ParsedFact<N>> | null {
    if (this.fresh.has(name)) return { value: this.fresh.get(name) as ParsedFact<N>, ageMs: 0 };
    if (!this.cachedValues.has(name)) this.cachedValues.set(name, cachedValue(name, this.cache.facts[name], this.now, this.config));
    return (this.cachedValues.get(name) ?? null) as Sourced<ParsedFact<N>> | null;
  }

  /** Read by this probe. */
  isFresh(name: FactName): boolean {
    return this.fresh.has(name);
  }

  /** A value this probe read. */
  setFresh(name: FactName, value: unknown): void {
    this.fresh.set(name, value);
    this.cachedValues.delete(name);
  }

  /** The cache entry changed: parse it again when next asked. */
  forgetCached(name: FactName): void {
    this.cachedValues.delete(name);
  }

  /** The facts with a usable value now. */
  usable(): Set<FactName> {
    return new Set(FACT_ORDER.filter((n) => this.value(n) !== null));
  }

  /** The Cassandra release, e.g. `4.1.6`; null when not known. */
  version(): string | null {
    return this.value("version")?.value.releaseVersion ?? null;
  }

  /** The arguments to read a fact with on this version, or null when it has none. */
  variant(name: FactName): readonly string[] | null {
    return variantFor(name, this.cache.facts[name], this.version());
  }

  /** This node holds hints for some peer (listpendinghints read and not empty). */
  hintsHeld(): boolean {
    const hints = this.value("hints");
    return hints !== null && hints.value.entries.length > 0;
  }

  /**
   * A repair source's value, if it is recent enough to say whether a repair
   * runs now: read within the repair interval (2 cycles) plus one cycle of
   * slack for a run that failed or was skipped. An older one would keep a
   * repair that ended RUNNING (or miss one that started).
   */
  repairSource<N extends FactName>(name: N): Sourced<ParsedFact<N>> | null {
    const v = this.value(name);
    if (v === null) return null;
    if (this.fresh.has(name)) return v;
    const readCycle = this.cache.facts[name]?.readCycle ?? null;
    if (readCycle === null) return null;
    const age = this.cycle - readCycle;
    return age >= 0 && age <= this.config.everyCycles.tpstats ? v : null;
  }

  /** The host ID changes only when the node is replaced: an old `info` still identifies it. */
  anyHostId(): string | null {
    const stdout = this.cache.facts.info?.stdout;
    if (typeof stdout !== "string") return null;
    const parsed = parseInfo(stdout);
    return parsed.ok ? parsed.value.hostId : null;
  }
}
