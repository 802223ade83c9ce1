export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
  /** Docker's footer in a container's generated resolv.conf. */
  footer: { basedOn?: string; usedDefaults: boolean; extServers?: string[] };
}

export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], search: [], options: [], footer: { usedDefaults: false } };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const based = /^# Based on host file: '([^']+)'(.*)$/.exec(line);
    if (based) conf.footer.basedOn = `${based[1]}${based[2] ?? ''}`.trim();
    if (/^# Used default nameservers/.test(line)) conf.footer.usedDefaults = true;
    const ext = /^# ExtServers: \[(.*)\]$/.exec(line);
    if (ext) conf.footer.extServers = ext[1]!.split(/\s+/).filter(Boolean);
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const [key, ...values] = line.split(/\s+/);
    if (key === 'nameserver' && values[0]) conf.nameservers.push(values[0]);
    else if (key === 'search' || key === 'domain') conf.search.push(...values);
    else if (key === 'options') conf.options.push(...values);
  }
  return conf;
}

export function isLoopback(ip: string): boolean {
  return /^127\./.test(ip) || ip === '::1' || ip === 'localhost';
}

export function isIp(value: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(value)) return value.split('.').every((o) => Number(o) <= 255);
  return /^[0-9a-f:]+$/i.test(value) && value.includes(':');
}

export function isCidr(value: string): boolean {
  const [ip, bits] = value.split('/');
  return ip !== undefined && bits !== undefined && isIp(ip) && /^\d+$/.test(bits) && Number(bits) <= (ip.includes(':') ? 128 : 32);
}
