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

// One set of pending challenges per running server, shared by the ACME client and the HTTP listener
// without widening ServerContext (keyed by the context object, so tests get their own).
const perServer = new WeakMap<object, AcmeChallenges>();

export function challengesFor(ctx: object): AcmeChallenges {
  let challenges = perServer.get(ctx);
  if (!challenges) {
    challenges = createAcmeChallenges();
    perServer.set(ctx, challenges);
  }
  return challenges;
}
