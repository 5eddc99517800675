// The CLI's two kinds of failure, mapped to exit codes in one place (src/main.ts):
// UsageError (exit 2: the command line or config is wrong) and OperationError (exit 1: the
// command was understood but could not be done). Both say what was wrong and what to do.
export class UsageError extends Error {}
export class OperationError extends Error {}
