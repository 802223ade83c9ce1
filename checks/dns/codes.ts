import type { FindingCodeMeta } from '../../src/engine/types.js';
import { prose } from '../../src/util/text.js';

const DNS_DOCS = 'https://docs.docker.com/engine/network/#dns-services';

export const dnsCodes = {
  'host-loopback-resolver': {
    severity: 'warning',
    summary: 'the host only has loopback resolvers, so default-bridge containers fall back to public DNS',
    explanation: prose`
      The host's /etc/resolv.conf lists only loopback nameservers (systemd-resolved's 127.0.0.53, dnsmasq on 127.0.1.1…), which are
      unreachable from a container's own network namespace. For containers on the default bridge Docker drops them and, when none are left
      and no upstreams can be found, writes Google's 8.8.8.8 and 8.8.4.4 instead ("# Used default nameservers."), which many corporate and
      VPN networks block. User-defined networks are not affected: their embedded resolver forwards from the host.
    `,
    docsUrl: DNS_DOCS,
  },
  'daemon-json-invalid': {
    severity: 'error',
    summary: 'daemon.json is not valid JSON',
    explanation: prose`
      The daemon refuses to start with a malformed daemon.json ("unable to configure the Docker daemon with file /etc/docker/daemon.json"),
      and any DNS or network setting in it is not applied.
    `,
    docsUrl: 'https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file',
  },
  'daemon-dns-loopback': {
    severity: 'error',
    summary: 'daemon.json sets a loopback DNS server for every container',
    explanation: prose`
      The "dns" servers in daemon.json are given to every container, and queried from the container's own network namespace. There,
      127.x.x.x is the container itself, where no DNS server listens, so lookups time out (EAI_AGAIN, "Temporary failure in name
      resolution").
    `,
    docsUrl: 'https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file',
  },
  'daemon-network-invalid': {
    severity: 'error',
    summary: 'a DNS or network value in daemon.json is malformed',
    explanation:
      'A "dns" entry is not an IP address, or "bip"/"default-address-pools" is not a valid CIDR; the daemon rejects or ignores it.',
    docsUrl: 'https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file',
  },
  'mtu-mismatch': {
    severity: 'warning',
    summary: "container MTU is larger than the host's uplink MTU",
    explanation: prose`
      Containers send packets as large as their network's MTU (1500 unless set). When the host's default route has a smaller MTU (VPNs 1420,
      OpenStack 1450), large packets are dropped: DNS and small requests work while TLS handshakes and downloads hang.
    `,
    docsUrl: 'https://docs.docker.com/engine/network/drivers/bridge/#options',
  },
  'ip-forward-disabled': {
    severity: 'error',
    summary: 'IPv4 forwarding is off, so containers have no network egress',
    explanation: prose`
      With net.ipv4.ip_forward=0 the host does not route container traffic: every external lookup and connection times out (EAI_AGAIN).
      Sysctl reloads, VPN clients and hardening tools reset it. The engine warns "IPv4 forwarding is disabled. Networking will not work."
    `,
    docsUrl: 'https://docs.docker.com/engine/network/packet-filtering-firewalls/',
  },
  'container-loopback-dns': {
    severity: 'warning',
    summary: 'a container is told to use a loopback DNS server',
    explanation: prose`
      The container's DNS servers (--dns, compose dns:, or daemon.json) include a 127.x.x.x address. Inside the container's network
      namespace that is the container itself, where nothing answers DNS, so lookups fail unless something in the container serves DNS.
    `,
    docsUrl: 'https://docs.docker.com/reference/cli/docker/container/run/#dns',
  },
  'default-bridge-no-names': {
    severity: 'error',
    summary: 'containers on the default bridge cannot resolve each other by name',
    explanation: prose`
      The default "bridge" network has no embedded DNS: its containers get the host's resolvers, which know nothing of container names. Name
      resolution between containers only works on user-defined networks (which compose creates for every project), or with the deprecated
      --link. Podman's default network, "podman", is the same: libpod lists it with dns_enabled false (as any network made with
      --disable-dns), while \`podman network create\` makes networks whose aardvark-dns resolves container names.
    `,
    docsUrl: 'https://docs.docker.com/engine/network/drivers/bridge/#differences-between-user-defined-bridges-and-the-default-bridge',
  },
  'different-network': {
    severity: 'error',
    summary: 'the name belongs to a container on another network',
    explanation: prose`
      The name is a container (or service) of this daemon, but the two containers share no user-defined network, so the embedded resolver
      will not answer it.
    `,
    docsUrl: 'https://docs.docker.com/engine/network/#dns-services',
  },
  'internal-network': {
    severity: 'error',
    summary: 'the container is only on internal networks, which have no external access',
    explanation: prose`
      A network created with --internal (compose internal: true) has no route out, so external names cannot be resolved or reached from
      containers attached only to it.
    `,
    docsUrl: 'https://docs.docker.com/reference/cli/docker/network/create/#internal',
  },
  'lookup-failed': {
    severity: 'error',
    summary: 'a name did not resolve inside a container',
    explanation: prose`
      A lookup failed inside the container and none of the common local causes applies. The upstream resolvers in its resolv.conf may be
      unreachable from here (blocked 8.8.8.8, a VPN's split DNS), or the name does not exist (ENOTFOUND / NXDOMAIN rather than EAI_AGAIN /
      timeout).
    `,
    docsUrl: DNS_DOCS,
  },
  'compose-localhost': {
    severity: 'error',
    summary: 'a service addresses another service as localhost',
    explanation: prose`
      Inside a container, localhost is that container. A service that connects to localhost where another service listens (a port in its
      ports: or expose:, its image's EXPOSE, the usual port of its kind such as 5432 for postgres, or a \`DB_HOST: localhost\` whose name
      names the service) reaches nothing; use the other service's name, which compose networks resolve. Not reported: variables a browser on
      the host uses (base, public, callback, redirect and origin URLs, VITE_/REACT_APP_/NEXT_PUBLIC_…), where localhost and the published
      port are right; localhost on a port another service publishes on the host (not its container port) unless the variable is clearly a
      server-side connection (database, cache or broker names such as DATABASE_URL, REDIS_*, KAFKA_*, *_DSN, or a postgres://, redis://,
      amqp://… URL), since the host-side port shows the author meant the host's view, as in a public base URL for links in e-mails; ports
      the service or a sidecar sharing its namespace listens on itself; host-networked services; and a port several services listen on when
      nothing says which one is meant.
    `,
    docsUrl: 'https://docs.docker.com/compose/how-tos/networking/',
  },
  'probe-failed': {
    severity: 'error',
    summary: 'the --probe container could not resolve the name',
    explanation:
      'A short-lived probe container on this network could not resolve the name: containers on this network cannot look it up right now.',
    docsUrl: DNS_DOCS,
  },
  'probe-ok': {
    severity: 'info',
    summary: 'the --probe container resolved the name',
    explanation: 'A short-lived probe container on this network resolved the name, with the time it took.',
    docsUrl: DNS_DOCS,
  },
  'probe-skipped': {
    severity: 'info',
    summary: 'no local image can run the probe',
    explanation: 'The probe never pulls images. It needs one already present with nslookup (busybox, alpine) or getent (debian, ubuntu).',
    docsUrl: DNS_DOCS,
  },
  'subnet-overlaps-route': {
    severity: 'warning',
    summary: "a Docker network's subnet overlaps a route of the host (a VPN, the LAN)",
    explanation: prose`
      A Docker network's subnet lies inside (or around) a range the host routes elsewhere: a VPN's 172.16.0.0/12 on tun0, a corporate or
      home LAN on eth0. On this host the Docker bridge's own route is the more specific one, so packets from containers to addresses of
      that range in the subnet stay on the bridge, and those hosts are unreachable from the containers (often the host loses them too).
      dockerd skips ranges that overlap a route when it makes a network, so this happens when the VPN or LAN came after the network, or the
      subnet was set by hand. Set default-address-pools (and bip, for the default bridge) in daemon.json to ranges nothing else uses,
      restart Docker, and recreate the network. Routes of Docker's own bridges (docker0, br-*) and the default route are not overlaps; only
      /proc/net/route is read, nothing is sent.
    `,
    docsUrl: 'https://docs.docker.com/engine/network/drivers/bridge/#configure-the-default-bridge-network',
  },
  'address-pools-exhausted': {
    severity: 'warning',
    summary: 'few or no address ranges are left in the pools Docker makes networks from',
    explanation: prose`
      Every network dockerd makes without --subnet (each compose project has one) takes a range from its address pools: by default
      172.17–172.31 as fifteen /16s and 192.168.0.0/16 as sixteen /20s, 31 in all, the default bridge included, less those that overlap a
      route of the host. When none is left, \`docker network create\` and \`docker compose up\` fail with "could not find an available,
      non-overlapping IPv4 address pool among the defaults to assign to the network". Unused networks of old compose projects are the usual
      cause: \`docker network prune\` removes them; default-address-pools with a size of 24 gives hundreds of ranges.
    `,
    docsUrl: 'https://docs.docker.com/reference/cli/dockerd/#default-address-pools',
  },
} satisfies Record<string, FindingCodeMeta>;
