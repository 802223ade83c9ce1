/** Splits the Engine API's multiplexed log stream (8-byte frame headers) into text; a TTY container's logs are raw. */
export function demuxLogs(body: Buffer, tty: boolean): string {
  if (tty) return body.toString('utf8');
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= body.length) {
    const stream = body[offset];
    const size = body.readUInt32BE(offset + 4);
    // Anything that is not a frame header means the body was not multiplexed after all.
    if (stream === undefined || stream > 2 || body[offset + 1] !== 0 || body[offset + 2] !== 0 || body[offset + 3] !== 0)
      return body.toString('utf8');
    parts.push(body.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** The content of the first regular file in a tar archive (what GET /containers/{id}/archive returns for one path). */
export function firstFileInTar(tar: Buffer): Buffer | undefined {
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return undefined;
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + 512;
    if (type === '0' || type === '\0') return tar.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / 512) * 512;
  }
  return undefined;
}
