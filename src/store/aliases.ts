// Aliases as both store engines return them: a source address and its targets.

export interface AliasRow { source: string; targets: string[] }
