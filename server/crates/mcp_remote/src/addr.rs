//! Which addresses Steward refuses to connect to on a publisher's behalf.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// True for every address that is not a public unicast address: loopback,
/// private (RFC 1918), link-local, unique-local, CGNAT (100.64.0.0/10),
/// unspecified, broadcast, documentation, benchmarking, multicast and reserved
/// ranges, and IPv6 addresses that embed such an IPv4 address (IPv4-mapped,
/// NAT64, 6to4).
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => is_private_v6(v6),
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0 // "this network", including 0.0.0.0
        || ip.is_loopback() // 127.0.0.0/8
        || ip.is_private() // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local() // 169.254/16
        || (a == 100 && (b & 0xc0) == 64) // CGNAT 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments 192.0.0/24
        || ip.is_documentation() // 192.0.2/24, 198.51.100/24, 203.0.113/24
        || (a == 198 && (b & 0xfe) == 18) // benchmarking 198.18/15
        || ip.is_multicast() // 224/4
        || a >= 240 // reserved 240/4 and broadcast 255.255.255.255
}

fn is_private_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_private_v4(v4);
    }
    let s = ip.segments();
    let embedded_v4 = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    // ::/96: unspecified, loopback and the deprecated IPv4-compatible addresses.
    s[..6] == [0; 6]
        || ip.is_multicast() // ff00::/8
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // deprecated site-local fec0::/10
        || (s[0] & 0xfe00) == 0xfc00 // unique-local fc00::/7
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation 2001:db8::/32
        || (s[0] == 0x3fff && s[1] < 0x1000) // documentation 3fff::/20
        || (s[0] == 0x0100 && s[1..4] == [0; 3]) // discard-only 100::/64
        || (s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 1) // local-use NAT64 64:ff9b:1::/48
        || (s[0] == 0x0064 && s[1] == 0xff9b && s[2..6] == [0; 4]
            && is_private_v4(embedded_v4(s[6], s[7]))) // NAT64 64:ff9b::/96
        || (s[0] == 0x2002 && is_private_v4(embedded_v4(s[1], s[2]))) // 6to4 2002::/16
}

#[cfg(test)]
mod tests {
    use super::is_private;
    use std::net::IpAddr;

    fn private(s: &str) -> bool {
        is_private(s.parse::<IpAddr>().unwrap())
    }

    #[test]
    fn v4_non_public_ranges_are_private() {
        for a in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "198.19.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(private(a), "{a} should be private");
        }
    }

    #[test]
    fn v4_public_addresses_are_not_private() {
        for a in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.253.0.1",
            "192.167.1.1",
            "198.17.0.1",
            "198.20.0.1",
            "223.255.255.255",
        ] {
            assert!(!private(a), "{a} should be public");
        }
    }

    #[test]
    fn v6_non_public_ranges_are_private() {
        for a in [
            "::",
            "::1",
            "::127.0.0.1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "fc00::1",
            "fd12:3456:789a::1",
            "2001:db8::1",
            "3fff::1",
            "ff02::1",
            "100::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:100.64.0.1",
            "::ffff:0.0.0.0",
            "64:ff9b::10.0.0.1",
            "64:ff9b:1::1",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
        ] {
            assert!(private(a), "{a} should be private");
        }
    }

    #[test]
    fn v6_public_addresses_are_not_private() {
        for a in [
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:808:808::1",
            "fe7f::1",
            "2001:db9::1",
            "3fff:1000::1",
        ] {
            assert!(!private(a), "{a} should be public");
        }
    }
}
