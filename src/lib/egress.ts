import { ConnectorError } from "../connectors/errors";

// The egress rules: which hosts an outbound request may go to. Hosts are normalised with the WHATWG
// URL parser first, exactly as fetch will read them, so that every spelling of an address (decimal,
// octal, hex, short IPv4; IPv6 with embedded IPv4; percent-encoding; full-width digits; trailing dot;
// upper case) is classified as the address it really is. Anything that cannot be parsed is treated as
// private (refused unless private networks are allowed). DNS names that resolve to private addresses
// cannot be caught here; the platform's own egress (Workers cannot reach private networks) covers them.

export type HostClass = "public" | "private";

export type EgressOptions = { allowPrivateNetwork: boolean; allowedHosts?: string[] };

const ALLOWED_PROTOCOLS = new Set(["http:", "https:", "ws:", "wss:"]);

// Names that only mean something inside a network, and cloud metadata endpoints.
const PRIVATE_NAMES = new Set(["metadata.google.internal", "instance-data.ec2.internal", "localhost.localdomain"]);
const PRIVATE_SUFFIXES = [".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan", ".intranet"];

// IPv4 ranges that are not publicly routable: [network, prefix length].
const PRIVATE_V4: Array<[number, number]> = [
  [ip4(0, 0, 0, 0), 8], // "this network"
  [ip4(10, 0, 0, 0), 8], // RFC 1918
  [ip4(100, 64, 0, 0), 10], // CGNAT
  [ip4(127, 0, 0, 0), 8], // loopback
  [ip4(169, 254, 0, 0), 16], // link-local, incl. 169.254.169.254 metadata
  [ip4(172, 16, 0, 0), 12], // RFC 1918
  [ip4(192, 0, 0, 0), 24], // IETF protocol assignments
  [ip4(192, 0, 2, 0), 24], // TEST-NET-1
  [ip4(192, 88, 99, 0), 24], // 6to4 relay anycast
  [ip4(192, 168, 0, 0), 16], // RFC 1918
  [ip4(198, 18, 0, 0), 15], // benchmarking
  [ip4(198, 51, 100, 0), 24], // TEST-NET-2
  [ip4(203, 0, 113, 0), 24], // TEST-NET-3
  [ip4(224, 0, 0, 0), 4], // multicast
  [ip4(240, 0, 0, 0), 4], // reserved, incl. broadcast
];

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function inRange(addr: number, [net, bits]: [number, number]): boolean {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (addr & mask) >>> 0 === net;
}

const isPrivateV4 = (addr: number) => PRIVATE_V4.some((r) => inRange(addr, r));

// Parses a canonical dotted-quad (what the URL parser produces for any IPv4 spelling).
function parseDottedQuad(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ip4(parts[0]!, parts[1]!, parts[2]!, parts[3]!);
}

// Parses an IPv6 address (without brackets) into eight 16-bit groups; accepts a trailing dotted
// IPv4 part. Returns null when it is not a valid address.
function parseIPv6(s: string): number[] | null {
  let text = s;
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const v4 = parseDottedQuad(text.slice(lastColon + 1));
    if (v4 === null) return null;
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === "") return [];
    const groups = part.split(":");
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0]!);
  const rest = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !rest) return null;
  const explicit = head.length + rest.length;
  if (halves.length === 2) {
    if (explicit > 7) return null;
    return [...head, ...new Array<number>(8 - explicit).fill(0), ...rest];
  }
  return explicit === 8 ? head : null;
}

const v4From = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;

function classifyV6(g: number[]): HostClass {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const embedded = v4From(g6, g7);
  // ::/80 prefix: unspecified ::, loopback ::1, IPv4-compatible ::a.b.c.d, IPv4-mapped ::ffff:a.b.c.d
  // and IPv4-translated ::ffff:0:a.b.c.d. Classify by the embedded IPv4 address.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0) {
    if (g5 === 0 || g5 === 0xffff) return embedded <= 1 || isPrivateV4(embedded) ? "private" : "public";
    return "private";
  }
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0xffff && g5 === 0) {
    return isPrivateV4(embedded) ? "private" : "public";
  }
  // NAT64 well-known prefix 64:ff9b::/96 embeds an IPv4 address; 64:ff9b:1::/48 is local use.
  if (g0 === 0x64 && g1 === 0xff9b) {
    if (g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return isPrivateV4(embedded) ? "private" : "public";
    return "private";
  }
  // 6to4 2002::/16 embeds an IPv4 address in bits 16..47.
  if (g0 === 0x2002) return isPrivateV4(v4From(g1, g2)) ? "private" : "public";
  // Only global unicast 2000::/3 is public, minus special-purpose blocks inside it.
  if ((g0 & 0xe000) !== 0x2000) return "private"; // ::/3, fc00::/7, fe80::/10, ff00::/8, 100::/64, ...
  if (g0 === 0x2001 && g1 < 0x0200) return "private"; // 2001::/23: Teredo, ORCHID, benchmarking, ...
  if (g0 === 0x2001 && g1 === 0x0db8) return "private"; // documentation
  if (g0 === 0x3fff && g1 < 0x1000) return "private"; // documentation 3fff::/20
  return "public";
}

// Normalises a host the way fetch will: returns the URL parser's hostname, without IPv6 brackets,
// without trailing dots; or null when it is not a valid host on its own.
function normaliseHost(host: string): { name: string; ipv6: boolean } | null {
  let h = host.trim();
  if (h === "" || /[\s/\\?#@]/.test(h)) return null;
  // A bare IPv6 address (several colons, no brackets) gets brackets for the parser.
  if (!h.startsWith("[") && (h.match(/:/g)?.length ?? 0) > 1) h = `[${h}]`;
  let url: URL;
  try {
    url = new URL(`http://${h}/`);
  } catch {
    return null;
  }
  if (url.username || url.password || url.pathname !== "/" || url.search || url.hash) return null;
  const hostname = url.hostname;
  if (hostname.startsWith("[")) return { name: hostname.slice(1, -1), ipv6: true };
  const name = hostname.replace(/\.+$/, "");
  return name ? { name, ipv6: false } : null;
}

/** Classifies a host name or address (optionally with a port) as public or private. */
export function classifyHost(host: string): HostClass {
  if (typeof host !== "string") return "private";
  const norm = normaliseHost(host);
  if (!norm) return "private";
  if (norm.ipv6) {
    const groups = parseIPv6(norm.name);
    return groups ? classifyV6(groups) : "private";
  }
  const v4 = parseDottedQuad(norm.name);
  if (v4 !== null) return isPrivateV4(v4) ? "private" : "public";
  const name = norm.name;
  // A name without a dot (localhost, metadata, instance-data, intranet hosts) resolves only inside
  // a network.
  if (!name.includes(".")) return "private";
  if (PRIVATE_NAMES.has(name) || PRIVATE_SUFFIXES.some((s) => name.endsWith(s))) return "private";
  return "public";
}

const hostNotAllowed = (message: string) => new ConnectorError("host_not_allowed", message);

// Canonical form of a host for comparisons (lower case, no trailing dot, IPv4 normalised).
function canonicalHost(host: string): string | null {
  const norm = normaliseHost(host);
  if (!norm) return null;
  return norm.ipv6 ? `[${norm.name}]` : norm.name;
}

/**
 * A host as fetch will read it, for comparing hosts (credential approvals): lower case, IPv4 in
 * dotted-quad form, IPv6 compressed and without brackets, no trailing dot. null when it is not a host.
 */
export function canonicalHostName(host: string): string | null {
  const norm = normaliseHost(host);
  return norm ? norm.name.toLowerCase() : null;
}

function matchesAllowed(host: string, allowedHosts: string[]): boolean {
  for (const entry of allowedHosts) {
    if (typeof entry !== "string") continue;
    const e = entry.trim().toLowerCase();
    if (e.startsWith("*.")) {
      const suffix = canonicalHost(e.slice(2));
      if (suffix && host.endsWith(`.${suffix}`) && host.length > suffix.length + 1) return true;
    } else if (canonicalHost(e) === host) {
      return true;
    }
  }
  return false;
}

/**
 * Throws ConnectorError("host_not_allowed") unless the URL may be contacted. Messages name the host,
 * never the full URL (its path or query may carry secrets).
 */
export function assertUrlAllowed(url: string | URL, opts: EgressOptions): void {
  let u: URL;
  try {
    u = typeof url === "string" ? new URL(url) : new URL(url.href);
  } catch {
    throw hostNotAllowed("The URL is not valid");
  }
  if (!ALLOWED_PROTOCOLS.has(u.protocol)) {
    throw hostNotAllowed(`The scheme ${u.protocol.replace(/:$/, "").slice(0, 20)} is not allowed (use https)`);
  }
  const host = canonicalHost(u.hostname);
  if (!host) throw hostNotAllowed("The URL has no valid host");
  if (u.username || u.password) throw hostNotAllowed(`The URL for ${host} must not carry credentials`);
  if (opts.allowedHosts && !matchesAllowed(host, opts.allowedHosts)) {
    throw hostNotAllowed(`The host ${host} is not among the hosts allowed for this connection`);
  }
  if (!opts.allowPrivateNetwork && classifyHost(host) === "private") {
    throw hostNotAllowed(`The host ${host} is a private, loopback, link-local or metadata address`);
  }
}

/** The host of a URL as it appears in messages (no path, query or credentials). */
export function hostForMessage(url: string | URL): string {
  try {
    const u = typeof url === "string" ? new URL(url) : url;
    return u.hostname || "the host";
  } catch {
    return "the host";
  }
}
