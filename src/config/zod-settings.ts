/**
 * zod's settings for the whole process. config/load.ts imports this first,
 * and the CLI loads it before its effects, so it runs before any schema is
 * built (zod reads the setting then).
 *
 * jitless: on an object schema's first parse zod compiles a parser for it
 * (`new Function`). nodekeeper parses each schema a few times per process and
 * a cycle a minute: compiling costs more than it saves (about 5 ms of a cold
 * `status`, in a CPU profile).
 */
import * as z from "zod";

z.config({ jitless: true });
