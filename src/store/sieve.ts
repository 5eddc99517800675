// Sieve scripts as both engines keep them, and the refusals of RFC 5804 §2.

export class SieveScriptActiveError extends Error {}

export class SieveScriptExistsError extends Error {}

export class SieveScriptNotFoundError extends Error {}

export interface SieveScriptRow { name: string; active: boolean; size: number; updatedAt: number }
