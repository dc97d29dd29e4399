/**
 * The outside world, passed in: commands and probes receive an `Effects` value
 * instead of importing processes, HTTP, the file system or the clock, so tests
 * use the real thing or a fake without module mocking.
 */
import type { Clock } from "./clock.js";
import type { FileSystem } from "./fs.js";
import type { HttpClientFactory } from "./http.js";
import type { ProcessRunner } from "./process.js";

export interface Effects {
  readonly runner: ProcessRunner;
  readonly clock: Clock;
  readonly http: HttpClientFactory;
  readonly fs: FileSystem;
}
