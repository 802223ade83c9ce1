import { describe, expect, it } from 'vitest';
import { parseApiVersion } from '../../src/facts/docker/api-version.js';
import { engineInfoShape, engineVersionShape, networkSummaryShape } from '../../src/facts/docker/shape.js';
import { volumeList } from '../../src/facts/docker/volumes.js';
import { EndpointFault } from '../../src/facts/errors.js';

/** Review B (session 6): /version, /info, /networks and /volumes answers are checked for shape like the container answers. */
describe('the shapes of single answers', () => {
  it('/version: a wrong-typed field reads as absent; an answer that is no object is none', () => {
    const version = engineVersionShape({ Version: 20, ApiVersion: 1.41, MinAPIVersion: '1.12', Os: 5, Components: 'x', Extra: 1 });
    expect(version).toEqual({ MinAPIVersion: '1.12', Extra: 1, Components: undefined });
    expect(
      engineVersionShape({ Components: [null, { Name: 'Engine', Version: '1' }, { Name: 5 }, { Name: 'Podman Engine' }] })!.Components,
    ).toEqual([{ Name: 'Engine', Version: '1' }, { Name: 'Podman Engine' }]);
    for (const answer of [null, [], 'x', 5]) expect(engineVersionShape(answer)).toBeUndefined();
  });

  it('a numeric API version is no version (it was read with .trim and killed the run)', () => {
    expect(parseApiVersion(1.41)).toBeUndefined();
    expect(parseApiVersion(null)).toBeUndefined();
    expect(parseApiVersion('v1.41')).toBe('1.41');
  });

  it('/info: DockerRootDir 5 reads as absent and Warnings [5] as no warning', () => {
    const info = engineInfoShape({ ServerVersion: '20.10.24', DockerRootDir: 5, Warnings: [5, 'WARNING: x'], SecurityOptions: 'x' });
    expect(info).toEqual({ ServerVersion: '20.10.24', Warnings: ['WARNING: x'], SecurityOptions: undefined });
    expect(engineInfoShape({ Warnings: null })!.Warnings).toBeUndefined();
    expect(engineInfoShape(null)).toBeUndefined();
  });

  it('/networks: IPAM.Config entries that are not objects are dropped, a wrong-typed Subnet reads as absent', () => {
    expect(
      networkSummaryShape({ Name: 'n', Id: 'x', Driver: 5, IPAM: { Config: [null, { Subnet: 5, Gateway: '10.0.0.1' }, 'x'] } }),
    ).toEqual({ Name: 'n', Id: 'x', Driver: '', Options: {}, Labels: {}, IPAM: { Config: [{ Gateway: '10.0.0.1' }] } });
    expect(networkSummaryShape({ Name: 'n', IPAM: { Config: 'x' }, Labels: { a: 'b', c: 1 } })).toMatchObject({
      IPAM: { Config: [] },
      Labels: { a: 'b' },
    });
    expect(networkSummaryShape({ Name: 5, Id: 'x' })).toBeUndefined();
  });

  it('/volumes: only {"Volumes": null} is "no volumes"; a bare null, list or string is a fault of /volumes', async () => {
    await expect(volumeList(Promise.resolve({ Volumes: null, Warnings: null }))).resolves.toEqual([]);
    await expect(volumeList(Promise.resolve({ Volumes: [{ Name: 'a' }, null, { Name: 5 }] }))).resolves.toEqual([{ Name: 'a' }]);
    for (const answer of [null, [{ Name: 'a' }], 'x', {}])
      await expect(volumeList(Promise.resolve(answer))).rejects.toBeInstanceOf(EndpointFault);
  });
});
