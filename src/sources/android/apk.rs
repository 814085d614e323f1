//! An APK's SHA-256 and its signing certificates (SHA-1 and SHA-256 of each DER
//! certificate), read from the APK Signing Block (schemes v2 and v3) with `apksig`.

use apksig::{SigningBlock, ValueSigningBlock};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// What one APK showed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApkFacts {
    /// Lower-case hex.
    pub sha256: String,
    /// Upper-case hex, one per distinct certificate.
    pub cert_sha1: Vec<String>,
    pub cert_sha256: Vec<String>,
    /// Why no certificate was read.
    pub error: Option<String>,
}

/// Hash the APK and read its signing certificates. Never panics on hostile bytes.
pub fn facts(bytes: &[u8]) -> ApkFacts {
    let mut out = ApkFacts {
        sha256: hex::encode(Sha256::digest(bytes)),
        ..Default::default()
    };
    let certs = match certificates(bytes) {
        Ok(c) => c,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    for c in certs {
        let s1 = hex::encode_upper(Sha1::digest(&c));
        if !out.cert_sha1.contains(&s1) {
            out.cert_sha1.push(s1);
            out.cert_sha256.push(hex::encode_upper(Sha256::digest(&c)));
        }
    }
    out
}

/// The DER certificates of every signer in the v2 and v3 blocks.
pub fn certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    if bytes.len() < 22 || !bytes.starts_with(b"PK") {
        return Err("not an APK (not a zip file)".into());
    }
    let block = SigningBlock::from_u8(bytes).map_err(|e| {
        format!("no APK Signing Block (v2/v3) could be read ({e}); v1-only signatures are not read")
    })?;
    let mut out = Vec::new();
    for v in &block.content {
        match v {
            ValueSigningBlock::SignatureSchemeV2Block(s) => {
                for signer in &s.signers.signers_data {
                    for c in &signer.signed_data.certificates.certificates_data {
                        out.push(c.certificate.clone());
                    }
                }
            }
            ValueSigningBlock::SignatureSchemeV3Block(s) => {
                for signer in &s.signers.signers_data {
                    for c in &signer.signed_data.certificates.certificates_data {
                        out.push(c.certificate.clone());
                    }
                }
            }
            ValueSigningBlock::BaseSigningBlock(_) => {}
        }
    }
    if out.is_empty() {
        return Err("the APK Signing Block holds no v2/v3 certificate".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for b in [
            &b""[..],
            b"PK",
            b"PK\x03\x04garbage garbage garbage",
            &[0u8; 100],
        ] {
            let f = facts(b);
            assert_eq!(f.sha256.len(), 64);
            assert!(f.error.is_some());
        }
        let mut b = b"PK\x03\x04".to_vec();
        b.extend_from_slice(&[0xff; 64]);
        b.extend_from_slice(apksig::MAGIC);
        b.extend_from_slice(&[0xff; 64]);
        assert!(facts(&b).error.is_some());
    }
}
