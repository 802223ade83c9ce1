import { describe, expect, it } from 'vitest';
import { fakeFacts, listener } from '../../src/testing/index.js';

describe('namespaceListeners: what a container process listens on, read from the host', () => {
  it('reads the TCP tables of the process network namespace, IPv4 and IPv6', async () => {
    const facts = fakeFacts({
      namespaces: { 4242: [listener({ port: 8080, address: '127.0.0.1' }), listener({ port: 9000, address: '::' })] },
    });
    const found = await facts.namespaceListeners(4242);
    expect(found?.map((l) => `${l.address} ${l.port}`).sort()).toEqual(['127.0.0.1 8080', ':: 9000']);
  });

  it('is an empty list when the process listens on nothing', async () => {
    expect(await fakeFacts({ namespaces: { 7: [] } }).namespaceListeners(7)).toEqual([]);
  });

  it('is null when the tables cannot be read (process gone, not permitted) or the pid is not a process', async () => {
    expect(await fakeFacts({}).namespaceListeners(4242)).toBeNull();
    expect(await fakeFacts({}).namespaceListeners(0)).toBeNull();
  });
});

describe("netNamespace: whether a pid's network namespace is its own or this process's", () => {
  it("is 'other' for a container's process and 'own' for a host process (a faulty engine's State.Pid 1)", async () => {
    const facts = fakeFacts({ namespaces: { 4242: [], 1: [listener({ port: 2024 })] }, hostNetworkPids: [1] });
    expect(await facts.netNamespace(4242)).toBe('other');
    expect(await facts.netNamespace(1)).toBe('own');
  });

  it('cannot tell when a link is missing or unreadable, or the pid is not a process', async () => {
    expect(await fakeFacts({}).netNamespace(4242)).toBeUndefined();
    expect(await fakeFacts({}).netNamespace(0)).toBeUndefined();
    expect(await fakeFacts({}).netNamespace(1.5)).toBeUndefined();
    const noSelf = fakeFacts({ files: { '/proc/4242/ns/net': { link: 'net:[1]' }, '/proc/self/ns/net': { link: 'garbage' } } });
    expect(await noSelf.netNamespace(4242)).toBeUndefined();
  });
});

describe('netNamespace without the rights to read ns links (a docker-group user, a root container process)', () => {
  // /proc/<pid>/ns/net needs ptrace rights; /proc/<pid>/net/tcp is readable by anyone, with an inode per namespace.
  const tables = (theirs: number, ours: number) =>
    fakeFacts({ files: { '/proc/4242/net/tcp': { text: '', stat: { ino: theirs } }, '/proc/self/net/tcp': { stat: { ino: ours } } } });

  it('tells the namespaces apart by the inodes of their TCP tables', async () => {
    expect(await tables(4026532205, 4026531910).netNamespace(4242)).toBe('other');
    expect(await tables(4026531910, 4026531910).netNamespace(4242)).toBe('own');
  });
});
