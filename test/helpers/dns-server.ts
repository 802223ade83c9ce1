import dgram from 'node:dgram';

/**
 * A tiny authoritative DNS responder for tests: A queries for names in `answers` get that address,
 * everything else NXDOMAIN. It never forwards, so no test lookup can reach the machine's real resolver.
 */
export async function startDnsServer(
  address: string,
  answers: Record<string, string>,
  port = 53,
): Promise<{ close(): Promise<void>; queries: string[] }> {
  const socket = dgram.createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (msg, rinfo) => {
    if (msg.length < 12) return;
    let offset = 12;
    const labels: string[] = [];
    while (offset < msg.length && msg[offset] !== 0) {
      const len = msg[offset]!;
      labels.push(msg.subarray(offset + 1, offset + 1 + len).toString('ascii'));
      offset += len + 1;
    }
    const questionEnd = offset + 5;
    const name = labels.join('.').toLowerCase();
    const qtype = msg.readUInt16BE(offset + 1);
    queries.push(name);
    const answer = answers[name];
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    const found = answer !== undefined;
    header.writeUInt16BE(0x8180 | (found ? 0 : 3), 2); // response, recursion available, NOERROR or NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(found && qtype === 1 ? 1 : 0, 6);
    const question = msg.subarray(12, questionEnd);
    const parts = [header, question];
    if (found && qtype === 1) {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(1, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(60, 6);
      rr.writeUInt16BE(4, 10);
      answer.split('.').forEach((octet, i) => rr.writeUInt8(Number(octet), 12 + i));
      parts.push(rr);
    }
    socket.send(Buffer.concat(parts), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => resolve());
  });
  return { queries, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}
