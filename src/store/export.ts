// The row `postern export` reads a mailbox in, from either engine.

export interface ExportRow { uid: number; contentId: number; flags: string[]; internalDate: number }
