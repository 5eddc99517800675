// Scaffolding while the PostgreSQL engine is written area by area: a method not yet ported says so.
export function notBuilt(what: string): Error {
  return new Error(`the PostgreSQL engine does not implement ${what} yet`);
}
