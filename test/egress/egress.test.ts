import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../src/connectors/errors";
import { assertUrlAllowed, classifyHost } from "../../src/lib/egress";

// Each private spelling next to the address it stands for; all must be "private".
const PRIVATE_HOSTS: string[] = [
  // names
  "localhost", "LOCALHOST", "localhost.", "LocalHost..", "api.localhost", "a.b.localhost.",
  "printer.local", "db.internal", "metadata.google.internal", "METADATA.GOOGLE.INTERNAL.",
  "metadata", "instance-data", "intranet-box", "router.home.arpa",
  // loopback 127.0.0.1 in every IPv4 spelling the URL parser accepts
  "127.0.0.1", "127.0.0.1.", "2130706433", "0177.0.0.1", "0177.0000.0000.0001", "0x7f.0.0.1",
  "0x7F.0x0.0x0.0x1", "0x7f000001", "0X7F000001", "017700000001", "127.1", "127.0.1", "0x7f.1",
  "%31%32%37.0.0.1", "\uff11\uff12\uff17.\uff10.\uff10.\uff11", "127.255.255.254",
  // other IPv4 ranges
  "0.0.0.0", "0", "0x0", "10.0.0.1", "10.255.255.255", "167772161", "012.1", "172.16.0.1",
  "172.31.255.255", "192.168.0.1", "0xc0a80001", "100.64.0.1", "100.127.255.255", "169.254.0.1",
  "169.254.169.254", "2852039166", "0xa9.0xfe.0xa9.0xfe", "224.0.0.1", "239.255.255.250",
  "255.255.255.255", "240.0.0.1", "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9",
  // IPv6
  "::1", "[::1]", "[0:0:0:0:0:0:0:1]", "::", "[::]", "::ffff:127.0.0.1", "[::ffff:127.0.0.1]",
  "::ffff:7f00:1", "[::ffff:7f00:1]", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
  "[::7f00:1]", "::ffff:0:127.0.0.1", "64:ff9b::127.0.0.1", "[64:ff9b::7f00:1]",
  "64:ff9b::a9fe:a9fe", "64:ff9b:1::1", "2002:7f00:1::1", "[2002:c0a8:101::]", "2002:a9fe:a9fe::",
  "fe80::1", "[fe80::1]", "febf::1", "fc00::1", "fd00:ec2::254", "[FD00:EC2::254]", "ff02::1",
  "ff05::2", "2001:db8::1", "2001::1", "100::1", "fec0::1",
];

const PUBLIC_HOSTS: string[] = [
  "example.com", "EXAMPLE.COM.", "db.example.com", "xy12345.snowflakecomputing.com",
  "adb-123.4.azuredatabricks.net", "localhost.example.com", "local.example.com",
  "internal.example.com", "example.com:8443",
  // the same numeric spellings, decoding to a public address (8.8.8.8), prove the parser decoded them
  "8.8.8.8", "134744072", "0x08080808", "010.010.010.010", "0x8.0x8.0x8.0x8", "8.526344",
  "1.1.1.1", "172.32.0.1", "100.128.0.1", "169.255.0.1", "192.169.0.1", "11.0.0.1",
  // public IPv6, and public IPv4 embedded in the IPv6 forms that embed it
  "2606:4700:4700::1111", "[2001:4860:4860::8888]", "::ffff:8.8.8.8", "::ffff:808:808",
  "64:ff9b::8.8.8.8", "2002:808:808::1",
];

describe("classifyHost", () => {
  for (const host of PRIVATE_HOSTS) {
    it(`private: ${JSON.stringify(host)}`, () => {
      expect(classifyHost(host)).toBe("private");
    });
  }
  for (const host of PUBLIC_HOSTS) {
    it(`public: ${JSON.stringify(host)}`, () => {
      expect(classifyHost(host)).toBe("public");
    });
  }

  it("treats anything that is not a plain host as private (fail closed)", () => {
    for (const host of ["", " ", "exa mple.com", "evil.com@127.0.0.1", "example.com/x", "example.com?x", "a#b", "[::1", "1.2.3.4.5.6", "256.0.0.1", "0x100000000", "[gggg::1]", "ex\\ample.com"]) {
      expect(classifyHost(host), JSON.stringify(host)).toBe("private");
    }
  });
});

function hostRefusal(url: string | URL, opts: Parameters<typeof assertUrlAllowed>[1]): ConnectorError {
  try {
    assertUrlAllowed(url, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe("host_not_allowed");
    return err as ConnectorError;
  }
  throw new Error(`expected ${String(url)} to be refused`);
}

describe("assertUrlAllowed", () => {
  const closed = { allowPrivateNetwork: false };
  const open = { allowPrivateNetwork: true };

  it("allows public http(s) and ws(s) URLs", () => {
    for (const url of ["https://example.com/", "http://example.com:8080/x?y=1", "wss://example.com/socket", "ws://example.com"]) {
      expect(() => assertUrlAllowed(url, closed)).not.toThrow();
    }
    expect(() => assertUrlAllowed(new URL("https://example.com/a"), closed)).not.toThrow();
  });

  it("refuses other schemes", () => {
    for (const url of ["ftp://example.com/", "file:///etc/passwd", "data:text/plain,hi", "javascript:alert(1)", "gopher://example.com/"]) {
      expect(hostRefusal(url, open).message).toMatch(/scheme/);
    }
  });

  it("refuses credentials in the URL", () => {
    expect(hostRefusal("https://user:pass@example.com/", open).message).toMatch(/credentials/);
    expect(hostRefusal("https://user@example.com/", open).message).toMatch(/credentials/);
    // The userinfo trick: the host is 127.0.0.1, and the URL is refused either way.
    expect(hostRefusal("http://example.com@127.0.0.1/", closed).message).toMatch(/127\.0\.0\.1/);
  });

  it("refuses invalid URLs", () => {
    expect(hostRefusal("not a url", open).message).toMatch(/not valid/);
    expect(hostRefusal("https://exa mple.com/", open).message).toMatch(/not valid/);
  });

  it("refuses private hosts unless private networks are allowed", () => {
    for (const url of [
      "http://127.0.0.1:8080/",
      "http://2130706433/",
      "http://0x7f.1/",
      "http://[::ffff:127.0.0.1]/",
      "http://[::1]:5432/",
      "http://169.254.169.254/latest/meta-data/",
      "http://metadata.google.internal/computeMetadata/v1/",
      "http://[fd00:ec2::254]/",
      "https://localhost./",
      "https://db.local/",
    ]) {
      expect(hostRefusal(url, closed).message).toMatch(/private/);
      expect(() => assertUrlAllowed(url, open)).not.toThrow();
    }
  });

  it("names the host but never the path, query or credentials", () => {
    const secret = "s3cr3t-token-value";
    const e = hostRefusal(`http://10.0.0.5:9000/path/${secret}?token=${secret}`, closed);
    expect(e.message).toContain("10.0.0.5");
    expect(e.message).not.toContain(secret);
    const e2 = hostRefusal(`https://user:${secret}@example.com/?k=${secret}`, closed);
    expect(e2.message).toContain("example.com");
    expect(e2.message).not.toContain(secret);
    const e3 = hostRefusal(`https://other.example.org/x?k=${secret}`, { ...closed, allowedHosts: ["example.com"] });
    expect(e3.message).toContain("other.example.org");
    expect(e3.message).not.toContain(secret);
  });

  it("with allowedHosts, only those hosts pass (exact, case-insensitive, trailing dot ignored)", () => {
    const opts = { allowPrivateNetwork: false, allowedHosts: ["db.example.com", "API.Example.NET"] };
    expect(() => assertUrlAllowed("https://db.example.com/", opts)).not.toThrow();
    expect(() => assertUrlAllowed("https://DB.EXAMPLE.COM./x", opts)).not.toThrow();
    expect(() => assertUrlAllowed("https://api.example.net:8443/", opts)).not.toThrow();
    for (const url of ["https://example.com/", "https://x.db.example.com/", "https://db.example.com.evil.org/", "https://evildb.example.com/"]) {
      expect(hostRefusal(url, opts).message).toMatch(/not among the hosts allowed/);
    }
    // An empty list allows nothing.
    expect(hostRefusal("https://db.example.com/", { allowPrivateNetwork: true, allowedHosts: [] }).message).toMatch(/not among/);
  });

  it("with allowedHosts, *.domain wildcards match subdomains only", () => {
    const opts = { allowPrivateNetwork: false, allowedHosts: ["*.snowflakecomputing.com"] };
    expect(() => assertUrlAllowed("https://acme.snowflakecomputing.com/", opts)).not.toThrow();
    expect(() => assertUrlAllowed("https://a.b.SNOWFLAKECOMPUTING.com/", opts)).not.toThrow();
    for (const url of ["https://snowflakecomputing.com/", "https://evilsnowflakecomputing.com/", "https://acme.snowflakecomputing.com.evil.org/"]) {
      expect(hostRefusal(url, opts).message).toMatch(/not among/);
    }
  });

  it("an allow-listed private host still needs allowPrivateNetwork; numeric spellings compare as addresses", () => {
    const allowedHosts = ["127.0.0.1", "localhost"];
    expect(hostRefusal("http://127.0.0.1/", { allowPrivateNetwork: false, allowedHosts }).message).toMatch(/private/);
    expect(() => assertUrlAllowed("http://127.0.0.1:5432/", { allowPrivateNetwork: true, allowedHosts })).not.toThrow();
    expect(() => assertUrlAllowed("http://2130706433/", { allowPrivateNetwork: true, allowedHosts })).not.toThrow();
    expect(() => assertUrlAllowed("http://LOCALHOST./", { allowPrivateNetwork: true, allowedHosts })).not.toThrow();
    expect(hostRefusal("http://127.0.0.2/", { allowPrivateNetwork: true, allowedHosts }).message).toMatch(/not among/);
    const v6 = { allowPrivateNetwork: true, allowedHosts: ["[::1]"] };
    expect(() => assertUrlAllowed("http://[0:0:0:0:0:0:0:1]:80/", v6)).not.toThrow();
  });
});

describe("classifyHost: every spelling of an IPv4 address classifies like the address", () => {
  const dotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
  const hex16 = (n: number) => `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  // Addresses from every interesting block plus random ones.
  const samples: number[] = [];
  for (const first of [0, 10, 100, 127, 169, 172, 192, 198, 203, 224, 240, 255, 1, 8, 45, 99, 128, 223]) {
    for (const second of [0, 16, 31, 32, 64, 88, 127, 128, 168, 254, 255]) {
      samples.push(((first << 24) | (second << 16) | 0x0101) >>> 0);
    }
  }
  let seed = 0x2f6b3a1d;
  for (let i = 0; i < 200; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    samples.push(seed);
  }

  it("decimal, hex, octal and short forms agree with the dotted form", () => {
    for (const n of samples) {
      const expected = classifyHost(dotted(n));
      const a = n >>> 24;
      const rest = n & 0xffffff;
      const spellings = [
        String(n),
        `0x${n.toString(16)}`,
        `0${n.toString(8)}`,
        `${a}.${rest}`,
        `0x${a.toString(16)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.0${(n & 255).toString(8)}`,
        `${dotted(n)}.`,
      ];
      for (const s of spellings) expect(classifyHost(s), `${s} vs ${dotted(n)}`).toBe(expected);
    }
  });

  it("IPv4-mapped, IPv4-compatible, NAT64 and 6to4 forms agree with the embedded address", () => {
    for (const n of samples) {
      const expected = classifyHost(dotted(n));
      for (const s of [`::ffff:${dotted(n)}`, `[::ffff:${hex16(n)}]`, `64:ff9b::${dotted(n)}`, `2002:${hex16(n)}::1`]) {
        expect(classifyHost(s), `${s} vs ${dotted(n)}`).toBe(expected);
      }
      // IPv4-compatible ::a.b.c.d: the unspecified and loopback addresses are private whatever they embed.
      expect(classifyHost(`::${dotted(n)}`)).toBe(n <= 1 ? "private" : expected);
    }
  });

  it("the samples cover both classes", () => {
    const classes = new Set(samples.map((n) => classifyHost(dotted(n))));
    expect(classes).toEqual(new Set(["public", "private"]));
  });

  it("IDNA and percent-encoded spellings of private names are private", () => {
    for (const host of ["\u24db\u24de\u24d2\u24d0\u24db\u24d7\u24de\u24e2\u24e3", "localhost%2e", "%6c%6f%63%61%6c%68%6f%73%74", "LOCALHOST\u3002"]) {
      expect(classifyHost(host), host).toBe("private");
    }
  });
});
