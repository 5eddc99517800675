// Report payloads as senders attach them (RFC 7489 §7.2.1.1: gzip or zip; RFC 8460 §5.3: gzip),
// unpacked with a hard bound. Always true: no payload ever expands past
// REPORT_MAX_DECOMPRESSED_BYTES (zlib stops there and we refuse the report); a zip is read from its
// central directory, only its first member, stored or deflated; anything else is a ReportFormatError.
import zlib from 'node:zlib';
import { REPORT_MAX_DECOMPRESSED_BYTES } from '../limits.ts';

export class ReportFormatError extends Error {}

export type Packing = 'gzip' | 'zip' | 'plain';

/** Which packing the bytes use, by their magic numbers (a Content-Type is often wrong). */
export function packingOf(data: Buffer): Packing {
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) return 'gzip';
  if (data.length >= 4 && data.readUInt32LE(0) === 0x04034b50) return 'zip';
  return 'plain';
}

function bounded(run: () => Buffer): Buffer {
  try {
    return run();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger|maxOutputLength|buffer length/i.test((err as Error).message)) {
      throw new ReportFormatError(`the report expands beyond ${REPORT_MAX_DECOMPRESSED_BYTES} bytes: refused`);
    }
    throw new ReportFormatError(`cannot decompress the report: ${(err as Error).message}`);
  }
}

export function gunzipBounded(data: Buffer): Buffer {
  return bounded(() => zlib.gunzipSync(data, { maxOutputLength: REPORT_MAX_DECOMPRESSED_BYTES }));
}

// APPNOTE.TXT §4.3.16: the end of central directory record, within the last 64 KiB + 22 bytes.
function endOfCentralDirectory(data: Buffer): number {
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 0xffff); i--) {
    if (data.readUInt32LE(i) === 0x06054b50) return i;
  }
  throw new ReportFormatError('not a zip file: no end of central directory');
}

export function unzipFirst(data: Buffer): Buffer {
  const eocd = endOfCentralDirectory(data);
  const entries = data.readUInt16LE(eocd + 10);
  const cdOffset = data.readUInt32LE(eocd + 16);
  if (entries === 0) throw new ReportFormatError('the zip file is empty');
  if (cdOffset + 46 > data.length || data.readUInt32LE(cdOffset) !== 0x02014b50) throw new ReportFormatError('zip central directory is damaged');
  const flags = data.readUInt16LE(cdOffset + 8);
  const method = data.readUInt16LE(cdOffset + 10);
  const compressedSize = data.readUInt32LE(cdOffset + 20);
  const localOffset = data.readUInt32LE(cdOffset + 42);
  if (flags & 0x1) throw new ReportFormatError('the zip member is encrypted');
  if (localOffset + 30 > data.length || data.readUInt32LE(localOffset) !== 0x04034b50) throw new ReportFormatError('zip local header is damaged');
  const start = localOffset + 30 + data.readUInt16LE(localOffset + 26) + data.readUInt16LE(localOffset + 28);
  const end = start + compressedSize;
  if (end > data.length) throw new ReportFormatError('the zip member runs past the end of the file');
  const body = data.subarray(start, end);
  if (method === 0) {
    if (body.length > REPORT_MAX_DECOMPRESSED_BYTES) throw new ReportFormatError(`the report expands beyond ${REPORT_MAX_DECOMPRESSED_BYTES} bytes: refused`);
    return Buffer.from(body);
  }
  if (method === 8) return bounded(() => zlib.inflateRawSync(body, { maxOutputLength: REPORT_MAX_DECOMPRESSED_BYTES }));
  throw new ReportFormatError(`zip compression method ${method} is not supported (only stored and deflate)`);
}

/** The report's bytes, unpacked whatever the packing. */
export function unpack(data: Buffer): Buffer {
  switch (packingOf(data)) {
    case 'gzip': return gunzipBounded(data);
    case 'zip': return unzipFirst(data);
    case 'plain':
      if (data.length > REPORT_MAX_DECOMPRESSED_BYTES) throw new ReportFormatError(`the report is larger than ${REPORT_MAX_DECOMPRESSED_BYTES} bytes: refused`);
      return data;
  }
}
