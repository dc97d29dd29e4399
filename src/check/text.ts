/** Small wording helpers the areas share, so every check line counts, rounds and orders the same way. */
import type { Status } from "../contract/status.js";
import { severity, stateOfStatus } from "./nagios.js";

/** "1 peer", "2 peers"; `many` for irregular plurals ("directories"). */
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A percentage with one decimal: "12.5%". */
export const pct = (value: number) => `${value.toFixed(1)}%`;

/** Worst first; the sort is stable, so input order is kept among equals. */
export const byStatusSeverity = <T extends { status: Status }>(items: readonly T[]) =>
  [...items].sort((a, b) => severity(stateOfStatus(b.status)) - severity(stateOfStatus(a.status)));

/** The first sentence of a description, cut to `max` characters with "…": the first line is read at a glance. */
export function firstSentence(text: string, max: number): string {
  const t = text.trim();
  const end = t.search(/[.!?](\s|$)/);
  const sentence = end < 0 ? t : t.slice(0, end);
  return sentence.length <= max ? sentence : `${sentence.slice(0, max - 1).trimEnd()}…`;
}

/** "42 s", "7 min", "5 h", "3 d": as precise as a person needs at a glance. */
export function formatAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} d`;
}
