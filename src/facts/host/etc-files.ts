import type { GroupEntry, PasswdEntry } from '../types.js';

export function parseGroupFile(text: string): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [name, , gid, members] = line.split(':');
    if (name === undefined || gid === undefined || !/^\d+$/.test(gid)) continue;
    entries.push({
      name,
      gid: Number(gid),
      members: members
        ? members
            .split(',')
            .map((m) => m.trim())
            .filter(Boolean)
        : [],
    });
  }
  return entries;
}

export function parsePasswdFile(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [name, , uid, gid, , home] = line.split(':');
    if (name === undefined || !/^\d+$/.test(uid ?? '') || !/^\d+$/.test(gid ?? '')) continue;
    entries.push({ name, uid: Number(uid), gid: Number(gid), home: home ?? '' });
  }
  return entries;
}
