//! Network probes, only towards targets the user names: a TCP connect to
//! `HOST:PORT` and one DNS query to a named resolver, with short timeouts.
//! Never a scan, never a default target.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::Duration;

use crate::{Check, Status, Threat};

/// A `HOST:PORT` target as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Target, String> {
        let (host, port) = s
            .rsplit_once(':')
            .ok_or_else(|| format!("expected HOST:PORT, got `{s}`"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port: u16 = port
            .parse()
            .map_err(|_| format!("expected HOST:PORT with a port number, got `{s}`"))?;
        if host.is_empty()
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-_:".contains(&b))
        {
            return Err(format!("expected HOST:PORT, got `{s}`"));
        }
        Ok(Target {
            host: host.to_string(),
            port,
        })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// What a connection attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Connected(SocketAddr),
    NoAddress(String),
    Failed(String),
}

/// Connects to the target's first address with a timeout.
pub fn connect(target: &Target, timeout: Duration) -> Outcome {
    let addrs: Vec<SocketAddr> = match (target.host.as_str(), target.port).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => return Outcome::NoAddress(e.to_string()),
    };
    let Some(addr) = addrs.first() else {
        return Outcome::NoAddress("no address".into());
    };
    match TcpStream::connect_timeout(addr, timeout) {
        Ok(_) => Outcome::Connected(*addr),
        Err(e) => Outcome::Failed(format!("{addr}: {e}")),
    }
}

/// The check for a target that must be reachable.
pub fn allowed_check(target: &Target, outcome: &Outcome) -> Check {
    let id = format!("egress.allowed:{target}");
    match outcome {
        Outcome::Connected(a) => Check::new(
            id,
            Threat::Egress,
            Status::Green,
            format!("{target} reached ({a})"),
        ),
        Outcome::NoAddress(e) => Check::new(
            id,
            Threat::Egress,
            Status::Red,
            format!("{target} does not resolve: {e}"),
        ),
        Outcome::Failed(e) => Check::new(
            id,
            Threat::Egress,
            Status::Red,
            format!("{target} not reached: {e}"),
        ),
    }
}

/// The check for a target that must be refused.
pub fn blocked_check(target: &Target, outcome: &Outcome) -> Check {
    let id = format!("egress.blocked:{target}");
    match outcome {
        Outcome::Connected(a) => Check::new(
            id,
            Threat::Egress,
            Status::Red,
            format!("{target} reached ({a}) although it should be blocked"),
        ),
        Outcome::NoAddress(e) => Check::new(
            id,
            Threat::Egress,
            Status::Green,
            format!("{target} does not resolve: {e}"),
        ),
        Outcome::Failed(e) => Check::new(
            id,
            Threat::Egress,
            Status::Green,
            format!("{target} refused: {e}"),
        ),
    }
}

/// A DNS query for `name` (type A) as a UDP packet.
pub fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut p = Vec::with_capacity(32 + name.len());
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.trim_end_matches('.').split('.') {
        let label = &label.as_bytes()[..label.len().min(63)];
        p.push(label.len() as u8);
        p.extend_from_slice(label);
    }
    p.extend_from_slice(&[0, 0, 1, 0, 1]);
    p
}

/// Sends one query to `resolver` (an address, port 53 unless given) and
/// reports whether an answer came back: a resolver outside the allowlist
/// that answers is a way out (DNS tunnelling).
pub fn dns_check(resolver: &str, name: &str, timeout: Duration) -> Check {
    let id = format!("dns.resolver:{resolver}");
    let addr: Option<SocketAddr> = resolver.parse::<SocketAddr>().ok().or_else(|| {
        resolver
            .parse::<std::net::IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, 53))
    });
    let Some(addr) = addr else {
        return Check::new(
            id,
            Threat::Egress,
            Status::Amber,
            format!("`{resolver}` is not an IP address"),
        );
    };
    let result = (|| -> std::io::Result<usize> {
        let bind = if addr.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        };
        let sock = UdpSocket::bind(bind)?;
        sock.set_read_timeout(Some(timeout))?;
        sock.connect(addr)?;
        let query = dns_query(0x4856, name);
        sock.send(&query)?;
        let mut buf = [0u8; 512];
        let n = sock.recv(&mut buf)?;
        if n < 12 || buf[0..2] != query[0..2] {
            return Err(std::io::Error::other("not an answer to the query"));
        }
        Ok(n)
    })();
    match result {
        Ok(n) => Check::new(
            id,
            Threat::Egress,
            Status::Red,
            format!("{addr} answered a query for {name} ({n} bytes): DNS leaves the allowlist"),
        ),
        Err(e) => Check::new(
            id,
            Threat::Egress,
            Status::Green,
            format!("{addr} gave no answer for {name}: {e}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        let t: Target = "db.internal:5432".parse().unwrap();
        assert_eq!((t.host.as_str(), t.port), ("db.internal", 5432));
        assert!("nocolon".parse::<Target>().is_err());
        assert!("a b:1".parse::<Target>().is_err());
        assert!("host:99999".parse::<Target>().is_err());
    }

    #[test]
    fn probes_a_listener_we_started() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let t = Target {
            host: "127.0.0.1".into(),
            port,
        };
        let out = connect(&t, Duration::from_secs(2));
        assert!(matches!(out, Outcome::Connected(_)));
        assert_eq!(allowed_check(&t, &out).status, Status::Green);
        assert_eq!(blocked_check(&t, &out).status, Status::Red);
        drop(listener);
        let out = connect(&t, Duration::from_secs(2));
        assert!(matches!(out, Outcome::Failed(_)));
        assert_eq!(blocked_check(&t, &out).status, Status::Green);
    }

    #[test]
    fn dns_against_a_local_responder() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addr().unwrap();
        let handle = std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            let (n, from) = server.recv_from(&mut buf).unwrap();
            buf[2] |= 0x80;
            server.send_to(&buf[..n], from).unwrap();
        });
        let c = dns_check(&addr.to_string(), "example.test", Duration::from_secs(2));
        handle.join().unwrap();
        assert_eq!(c.status, Status::Red, "{}", c.evidence);
        let q = dns_query(1, "a.bc");
        assert_eq!(&q[12..], &[1, b'a', 2, b'b', b'c', 0, 0, 1, 0, 1]);
    }
}
