//! The TLS ClientHello parser (tls-parser), shared by TLS over TCP and QUIC: a leaf module,
//! so the extractor and the QUIC tracker both use it without importing each other.

use crate::sanitize::clean;

pub(crate) struct Hello {
    pub sni: Option<String>,
    pub alpn: Vec<String>,
    pub ech: bool,
}

/// A TLS record holding a ClientHello, through tls-parser.
pub(crate) fn parse_client_hello(record: &[u8]) -> Option<Hello> {
    use tls_parser::{TlsMessage, TlsMessageHandshake, parse_tls_plaintext};
    let (_, plain) = parse_tls_plaintext(record).ok()?;
    plain.msg.iter().find_map(|msg| match msg {
        TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch)) => Some(hello_of(ch)),
        _ => None,
    })
}

/// A ClientHello handshake message without a record around it (QUIC CRYPTO data).
pub(crate) fn parse_client_hello_message(msg: &[u8]) -> Option<Hello> {
    use tls_parser::{TlsMessage, TlsMessageHandshake, parse_tls_message_handshake};
    match parse_tls_message_handshake(msg).ok()?.1 {
        TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch)) => Some(hello_of(&ch)),
        _ => None,
    }
}

/// Server name, ALPN and ECH of a ClientHello (names cleaned of control characters).
fn hello_of(ch: &tls_parser::TlsClientHelloContents<'_>) -> Hello {
    use tls_parser::{SNIType, TlsExtension, TlsExtensionType, parse_tls_client_hello_extensions};
    let mut hello = Hello {
        sni: None,
        alpn: Vec::new(),
        ech: false,
    };
    if let Some(ext) = ch.ext
        && let Ok((_, exts)) = parse_tls_client_hello_extensions(ext)
    {
        for e in &exts {
            match e {
                TlsExtension::SNI(list) => {
                    if let Some((_, name)) = list.iter().find(|(t, _)| *t == SNIType::HostName) {
                        hello.sni = Some(clean(&String::from_utf8_lossy(name), 253));
                    }
                }
                TlsExtension::ALPN(list) => {
                    hello.alpn = list
                        .iter()
                        .map(|p| clean(&String::from_utf8_lossy(p), 64))
                        .collect();
                }
                TlsExtension::Unknown(TlsExtensionType(0xfe0d), _) => hello.ech = true,
                _ => {}
            }
        }
    }
    hello
}
