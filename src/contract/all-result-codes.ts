/** Every result code nodekeeper can put in a report, in one list (the README table is checked against it). */
import { CASSANDRA_RESULT_CODES } from "./cassandra-result-codes.js";
import { COMPONENT_AND_DIRECTORY_CODES } from "./result-codes.js";
import type { ResultCode } from "./result-codes.js";

export const ALL_RESULT_CODES: readonly ResultCode[] = [...COMPONENT_AND_DIRECTORY_CODES, ...CASSANDRA_RESULT_CODES]
  .slice()
  .sort((a, b) => a.code - b.code);
