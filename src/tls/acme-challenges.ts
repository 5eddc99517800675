// The pending ACME HTTP-01 challenges (token → key authorization), written by the ACME client and read
// by the HTTP listener. What must always be true: a token is served only while its challenge is
// pending (removed once the order completes or fails), and tokens are matched exactly.

export interface AcmeChallenges {
  get(token: string): string | undefined;
  set(token: string, keyAuthorization: string): void;
  delete(token: string): void;
}

export function createAcmeChallenges(): AcmeChallenges {
  const pending = new Map<string, string>();
  return {
    get: (token) => pending.get(token),
    set: (token, keyAuthorization) => { pending.set(token, keyAuthorization); },
    delete: (token) => { pending.delete(token); },
  };
}
