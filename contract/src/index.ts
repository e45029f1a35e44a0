/**
 * @auditlens/contract: what the parts of AuditLens agree on, defined once (DESIGN §3–§5): the
 * record kinds and their values (records.ts), the attribute names on the wire (attributes.ts),
 * the redaction list (redaction.ts), and, in `@auditlens/contract/rest` (zod schemas, needs zod), the REST API's requests and answers.
 * A changed name or field fails to compile in every part that uses it.
 */
import * as attributes from './attributes.js';

export * from './records.js';
export * from './attributes.js';
export * from './redaction.js';

/** Every attribute name of DESIGN §3 (the values of the ATTR_* constants). */
export type AuditAttributeName = Extract<(typeof attributes)[keyof typeof attributes], string>;
