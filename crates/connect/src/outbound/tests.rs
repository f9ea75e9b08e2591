//! The outbound rule: every spelling of an internal address refused when saved, and a name that
//! resolves to one never connected to.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::*;

/// Each URL with what [`check_url`] must make of it under an empty allow-list.
fn refused_as(cases: &[(&str, Refusal)]) {
    let allow = AllowList::default();
    for (url, expected) in cases {
        assert_eq!(
            check_url(url, &allow).err().as_ref(),
            Some(expected),
            "{url}"
        );
    }
}

fn not_public(host: &str, range: Range) -> Refusal {
    Refusal::NotPublic {
        host: host.to_owned(),
        range,
    }
}

#[test]
fn every_spelling_of_loopback_is_refused() {
    let loopback = not_public("127.0.0.1", Range::Loopback);
    let localhost = Refusal::Localhost {
        host: "localhost".into(),
    };
    refused_as(&[
        ("http://127.0.0.1/hook", loopback.clone()),
        ("http://127.0.0.1:8080/hook", loopback.clone()),
        ("HTTP://127.0.0.1/", loopback.clone()),
        ("http://2130706433/", loopback.clone()),
        ("http://0x7f000001/", loopback.clone()),
        ("http://0x7F.0.0.1/", loopback.clone()),
        ("http://127.1/", loopback.clone()),
        ("http://127.0.1/", loopback.clone()),
        ("http://0177.0.0.1/", loopback.clone()),
        ("http://017700000001/", loopback.clone()),
        ("http://127.0.0.1./", loopback.clone()),
        (
            "http://\u{ff11}\u{ff12}\u{ff17}.\u{ff10}.\u{ff10}.\u{ff11}/",
            loopback.clone(),
        ),
        ("http://127\u{3002}0\u{3002}0\u{3002}1/", loopback.clone()),
        (
            "http://[::ffff:127.0.0.1]/",
            not_public("::ffff:127.0.0.1", Range::Loopback),
        ),
        (
            "http://[::ffff:7f00:1]/",
            not_public("::ffff:127.0.0.1", Range::Loopback),
        ),
        ("http:\\\\127.0.0.1/", Refusal::NotHttp),
        ("http:127.0.0.1/", Refusal::NotHttp),
        ("http://127.0.0.1\\@hooks.example.com/", loopback),
        ("http://[::1]/", not_public("::1", Range::Loopback)),
        (
            "http://[0:0:0:0:0:0:0:1]/",
            not_public("::1", Range::Loopback),
        ),
        ("http://localhost/", localhost.clone()),
        ("http://LocalHost:9000/", localhost.clone()),
        ("http://localhost./", localhost.clone()),
        (
            "http://\u{ff4c}\u{ff4f}\u{ff43}\u{ff41}\u{ff4c}\u{ff48}\u{ff4f}\u{ff53}\u{ff54}/",
            localhost,
        ),
        (
            "http://api.localhost/",
            Refusal::Localhost {
                host: "api.localhost".into(),
            },
        ),
        ("http://0.0.0.0/", not_public("0.0.0.0", Range::Unspecified)),
        ("http://0/", not_public("0.0.0.0", Range::Unspecified)),
        ("http://[::]/", not_public("::", Range::Unspecified)),
    ]);
}

#[test]
fn private_link_local_and_other_internal_addresses_are_refused() {
    refused_as(&[
        (
            "http://169.254.169.254/latest/meta-data/",
            not_public("169.254.169.254", Range::LinkLocal),
        ),
        ("http://10.0.0.1/", not_public("10.0.0.1", Range::Private)),
        (
            "http://10.255.255.255/",
            not_public("10.255.255.255", Range::Private),
        ),
        (
            "http://172.16.0.0/",
            not_public("172.16.0.0", Range::Private),
        ),
        (
            "http://172.31.255.255/",
            not_public("172.31.255.255", Range::Private),
        ),
        (
            "http://192.168.0.1/",
            not_public("192.168.0.1", Range::Private),
        ),
        (
            "http://0xc0a80001/",
            not_public("192.168.0.1", Range::Private),
        ),
        (
            "http://100.64.0.0/",
            not_public("100.64.0.0", Range::SharedAddressSpace),
        ),
        (
            "http://100.127.255.255/",
            not_public("100.127.255.255", Range::SharedAddressSpace),
        ),
        ("http://[fc00::1]/", not_public("fc00::1", Range::Private)),
        (
            "http://[fdff:ffff::1]/",
            not_public("fdff:ffff::1", Range::Private),
        ),
        ("http://[fe80::1]/", not_public("fe80::1", Range::LinkLocal)),
        ("http://[febf::1]/", not_public("febf::1", Range::LinkLocal)),
        (
            "http://[::ffff:169.254.169.254]/",
            not_public("::ffff:169.254.169.254", Range::LinkLocal),
        ),
        (
            "http://[64:ff9b::a9fe:a9fe]/",
            not_public("64:ff9b::a9fe:a9fe", Range::LinkLocal),
        ),
        (
            "http://224.0.0.1/",
            not_public("224.0.0.1", Range::Multicast),
        ),
        (
            "http://255.255.255.255/",
            not_public("255.255.255.255", Range::Reserved),
        ),
    ]);
}

#[test]
fn credentials_and_other_schemes_are_refused() {
    refused_as(&[
        ("http://user:pw@hooks.example.com/", Refusal::Credentials),
        ("http://user@hooks.example.com/", Refusal::Credentials),
        ("http://:pw@hooks.example.com/", Refusal::Credentials),
        ("https://hooks.example.com@127.0.0.1/", Refusal::Credentials),
        ("ftp://hooks.example.com/", Refusal::NotHttp),
        ("file:///etc/passwd", Refusal::NotHttp),
        ("gopher://127.0.0.1:6379/_", Refusal::NotHttp),
        ("javascript:alert(1)", Refusal::NotHttp),
        ("https:///x", Refusal::NotHttp),
        ("//hooks.example.com/x", Refusal::NotHttp),
        ("http://[fe80::1%25eth0]/", Refusal::NotHttp),
        ("http://./", Refusal::NotHttp),
    ]);
}

#[test]
fn public_hosts_pass_and_the_range_boundaries_hold() {
    let allow = AllowList::default();
    for url in [
        "https://hooks.example.com/x",
        " https://hooks.example.com/x ",
        "https://hooks.example.com./x",
        "http://8.8.8.8:8080/",
        "http://172.15.255.255/",
        "http://172.32.0.0/",
        "http://100.63.255.255/",
        "http://100.128.0.0/",
        "http://169.253.255.255/",
        "http://169.255.0.0/",
        "http://9.255.255.255/",
        "http://11.0.0.0/",
        "http://126.255.255.255/",
        "http://128.0.0.0/",
        "http://192.167.255.255/",
        "http://192.169.0.0/",
        "https://[2606:4700::1111]/",
        "https://[2a00:1450::1]/x",
        "https://b\u{fc}cher.example/",
        "https://xn--bcher-kva.example/",
        "https://localhost.example.com/",
        "https://mylocalhost/",
    ] {
        assert!(check_url(url, &allow).is_ok(), "{url}");
    }
}

#[test]
fn the_allow_list_lets_named_networks_and_hosts_through() {
    let allow = AllowList::parse(&["127.0.0.1", "10.0.0.0/8", "localhost", "hooks.internal"])
        .unwrap_or_else(|e| panic!("{e}"));
    for url in [
        "http://127.0.0.1:9000/",
        "http://127.1:9000/",
        "http://2130706433/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.1.2.3/",
        "http://localhost/",
        "http://hooks.internal/",
    ] {
        assert!(check_url(url, &allow).is_ok(), "{url}");
    }
    assert_eq!(
        check_url("http://127.0.0.2/", &allow).err(),
        Some(not_public("127.0.0.2", Range::Loopback))
    );
    assert_eq!(
        check_url("http://api.localhost/", &allow).err(),
        Some(Refusal::Localhost {
            host: "api.localhost".into()
        })
    );
    assert_eq!(
        check_url("http://u:p@10.1.2.3/", &allow).err(),
        Some(Refusal::Credentials),
        "credentials stay refused"
    );
}

/// Names resolved from a fixed table, as a rebinding DNS server would answer at delivery time.
#[derive(Debug, Default)]
struct Table(HashMap<String, Vec<IpAddr>>);

impl HostLookup for Table {
    fn lookup(&self, host: String) -> BoxFuture<'static, io::Result<Vec<IpAddr>>> {
        let found = self.0.get(&host).cloned();
        Box::pin(async move {
            found.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such host"))
        })
    }
}

fn table(entries: &[(&str, &[&str])]) -> Arc<Table> {
    Arc::new(Table(
        entries
            .iter()
            .map(|(name, ips)| {
                let ips = ips
                    .iter()
                    .map(|ip| ip.parse().unwrap_or_else(|e| panic!("{ip}: {e}")))
                    .collect();
                ((*name).to_owned(), ips)
            })
            .collect(),
    ))
}

/// A listener on 127.0.0.1 that answers `204` to every connection and counts them.
async fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                .await;
        }
    });
    (port, accepted)
}

fn client(outbound: &Outbound) -> reqwest::Client {
    outbound
        .client_builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"))
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_never_connected_to() {
    let (port, accepted) = counting_listener().await;
    let lookup = table(&[
        ("rebind.test", &["127.0.0.1"]),
        ("mixed.test", &["10.0.0.1", "::1", "127.0.0.1"]),
    ]);
    let outbound = Outbound::default().with_lookup(lookup.clone());
    for host in ["rebind.test", "mixed.test"] {
        let url = format!("http://{host}:{port}/hook");
        assert!(outbound.check_url(&url).is_ok(), "the name itself passes");
        let err = client(&outbound)
            .post(&url)
            .send()
            .await
            .expect_err("refused");
        assert!(is_refused(&err), "{host}: {err:?}");
    }
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "no connection reached the listener"
    );

    // The operator's allow-list lets the same request through: by address, or by name.
    for entry in ["127.0.0.0/8", "rebind.test"] {
        let allow = AllowList::parse(&[entry]).unwrap_or_else(|e| panic!("{e}"));
        let outbound = Outbound::new(allow).with_lookup(lookup.clone());
        let r = client(&outbound)
            .post(format!("http://rebind.test:{port}/hook"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{entry}: {e:?}"));
        assert_eq!(r.status(), reqwest::StatusCode::NO_CONTENT, "{entry}");
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn public_addresses_of_a_mixed_answer_are_kept_and_redirects_are_not_followed() {
    // A name answering a loopback and a public address: only the public one is handed on.
    let lookup = table(&[("mixed.test", &["127.0.0.1", "93.184.215.14"])]);
    let resolver = GuardedResolver {
        allow: Arc::new(AllowList::default()),
        lookup,
    };
    let name: Name = "mixed.test".parse().unwrap_or_else(|_| panic!("name"));
    let kept: Vec<SocketAddr> = resolver
        .resolve(name)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .collect();
    assert_eq!(
        kept,
        vec!["93.184.215.14:0".parse().unwrap_or_else(|e| panic!("{e}"))]
    );

    // A 302 to the metadata address is answered as it is, not followed.
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(
            wiremock::ResponseTemplate::new(302)
                .insert_header("location", "http://169.254.169.254/latest/meta-data/"),
        )
        .mount(&server)
        .await;
    let allow = AllowList::parse(&["127.0.0.1"]).unwrap_or_else(|e| panic!("{e}"));
    let r = client(&Outbound::new(allow))
        .post(server.uri())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.status(), reqwest::StatusCode::FOUND);
}
