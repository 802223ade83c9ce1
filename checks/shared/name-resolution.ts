// How resolvers and tools say a host name did not resolve. One list for the dns check (which also wants the name)
// and for exited-containers' log signatures (which only asks whether a line is such a failure).

/** Resolution failures as resolvers and tools print them; the first group, when present, is the name. */
export const NAME_RESOLUTION_FAILURES: readonly RegExp[] = [
  /Could not resolve host: ([^\s;,'"]+)/i,
  /getaddrinfo (?:EAI_AGAIN|ENOTFOUND|EAI_NONAME) ([^\s:,'"]+)/i,
  /bad address '([^']+)'/i,
  /lookup ([^\s]+?) on [^\s]+: (?:no such host|server misbehaving|i\/o timeout|read: connection refused)/i,
  /Temporary failure resolving '([^']+)'/i,
  /server can't find ([^\s:]+)/i,
  /could not translate host name "([^"]+)"/i,
  // busybox nslookup; not webpack's "Module not found: Error: Can't resolve './x'", which is a missing file.
  /(?<!Error: )can't resolve '?([^\s']+)'?/i,
  /UnknownHostException: ([^\s:]+)/i,
  /Temporary failure in name resolution|Name or service not known|no servers could be reached|Name does not resolve/i,
  /nodename nor servname provided|no such host/i,
];

/** Any of the failures above, as one pattern. */
export const NAME_RESOLUTION_FAILURE = new RegExp(NAME_RESOLUTION_FAILURES.map((p) => `(?:${p.source})`).join('|'), 'i');
