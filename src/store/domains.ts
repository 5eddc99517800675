// Domains and their DKIM keys as both store engines return them.

export interface DkimKey { selector: string; algorithm: 'rsa-sha256' | 'ed25519-sha256'; privateKeyPem: string; publicKey: string }

export interface DomainRow { id: number; name: string; createdAt: number; accounts: number; aliases: number }
