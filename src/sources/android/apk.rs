//! An APK's SHA-256 and its signing certificates (SHA-1 and SHA-256 of each DER
//! certificate), read from the APK Signing Block (schemes v2 and v3) with `apksig`, or, for
//! an APK signed only with the v1 (JAR) scheme, from its `META-INF/*.RSA|*.DSA|*.EC` file (a
//! PKCS#7 SignedData) with `zip` and `cms`.

use std::io::{Cursor, Read};

use apksig::{SigningBlock, ValueSigningBlock};
use cms::cert::CertificateChoices;
use cms::cert::x509::Certificate;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::{Decode, Encode, oid::ObjectIdentifier};

/// id-signedData (RFC 5652).
const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
use sha1::Sha1;

use super::error::{AndroidError, V1Fault, V1Problem};
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
            out.error = Some(e.to_string());
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

/// The DER certificates of every signer: from the v2 and v3 blocks, or, when the APK has no
/// APK Signing Block with a certificate, from its v1 (JAR) signature.
pub fn certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, AndroidError> {
    if bytes.len() < 22 || !bytes.starts_with(b"PK") {
        return Err(AndroidError::NotZip);
    }
    let v2 = v2_v3_certificates(bytes);
    match v2 {
        Ok(c) => Ok(c),
        Err(e2) => v1_certificates(bytes).map_err(|e1| AndroidError::NoCertificate {
            v2: Box::new(e2),
            v1: Box::new(e1),
        }),
    }
}

fn v2_v3_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, AndroidError> {
    let block =
        SigningBlock::from_u8(bytes).map_err(|e| AndroidError::NoSigningBlock(e.to_string()))?;
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
        return Err(AndroidError::NoV2V3Certificate);
    }
    Ok(out)
}

/// A v1 signature block file is a few kilobytes; more is not a signature.
const MAX_V1_BLOCK: u64 = 1 << 20;

/// Is this zip entry a v1 signature block (`META-INF/NAME.RSA`, `.DSA` or `.EC`)?
fn is_v1_block(name: &str) -> bool {
    let Some(file) = name.strip_prefix("META-INF/") else {
        return false;
    };
    let upper = file.to_ascii_uppercase();
    !file.contains('/')
        && [".RSA", ".DSA", ".EC"]
            .iter()
            .any(|x| upper.len() > x.len() && upper.ends_with(x))
}

/// The signers' certificates of every v1 signature block in the APK.
fn v1_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, AndroidError> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| AndroidError::V1Zip(e.to_string()))?;
    let mut names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| is_v1_block(n))
        .map(|n| n.into_owned())
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(AndroidError::NoV1Signature);
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for name in names {
        let mut block = Vec::new();
        let read = zip.by_name(&name).map_err(|e| e.to_string()).and_then(|f| {
            f.take(MAX_V1_BLOCK + 1)
                .read_to_end(&mut block)
                .map_err(|e| e.to_string())
        });
        let certs = match read {
            Err(e) => Err(V1Fault::Unreadable(e)),
            Ok(_) if block.len() as u64 > MAX_V1_BLOCK => Err(V1Fault::TooLarge),
            Ok(_) => signer_certificates(&block),
        };
        match certs {
            Ok(c) => out.extend(c),
            Err(problem) => problems.push(V1Problem {
                file: name,
                problem,
            }),
        }
    }
    if out.is_empty() {
        return Err(AndroidError::V1Signatures(problems));
    }
    Ok(out)
}

/// The certificates of the signers of a PKCS#7 SignedData (DER), as stored (the chain's
/// other certificates are left out when the signer's can be told apart).
fn signer_certificates(block: &[u8]) -> Result<Vec<Vec<u8>>, V1Fault> {
    let info = ContentInfo::from_der(block).map_err(|e| V1Fault::NotPkcs7(e.to_string()))?;
    if info.content_type != SIGNED_DATA {
        return Err(V1Fault::NotSignedData(info.content_type.to_string()));
    }
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|e| V1Fault::BadSignedData(e.to_string()))?;
    let certs: Vec<&Certificate> = signed
        .certificates
        .as_ref()
        .map(|s| {
            s.0.iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(c) => Some(c),
                    CertificateChoices::Other(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    if certs.is_empty() {
        return Err(V1Fault::NoCertificate);
    }
    let signers: Vec<&Certificate> = certs
        .iter()
        .copied()
        .filter(|c| {
            signed.signer_infos.0.iter().any(|s| match &s.sid {
                SignerIdentifier::IssuerAndSerialNumber(i) => {
                    i.issuer == c.tbs_certificate.issuer
                        && i.serial_number == c.tbs_certificate.serial_number
                }
                SignerIdentifier::SubjectKeyIdentifier(_) => false,
            })
        })
        .collect();
    let chosen = if signers.is_empty() { certs } else { signers };
    let mut out = Vec::new();
    for c in chosen {
        let der = c
            .to_der()
            .map_err(|e| V1Fault::Unencodable(e.to_string()))?;
        // The fingerprint is of the certificate as stored: the encoding read back must be
        // the very bytes in the file (a certificate that is not strict DER is refused).
        if !block.windows(der.len()).any(|w| w == der.as_slice()) {
            return Err(V1Fault::NotStrictDer);
        }
        out.push(der);
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

    /// A stored zip with these entries, written by the `zip` crate.
    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opt = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, data) in files {
            w.start_file(*name, opt).expect("entry");
            w.write_all(data).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    #[test]
    fn v1_block_names() {
        for n in [
            "META-INF/CERT.RSA",
            "META-INF/ANDROIDD.DSA",
            "META-INF/x.ec",
        ] {
            assert!(is_v1_block(n), "{n}");
        }
        for n in [
            "META-INF/.RSA",
            "META-INF/sub/CERT.RSA",
            "assets/CERT.RSA",
            "META-INF/CERT.SF",
            "META-INF/MANIFEST.MF",
        ] {
            assert!(!is_v1_block(n), "{n}");
        }
    }

    #[test]
    fn garbage_v1_signature_is_a_note_not_a_panic() {
        let cases: [&[u8]; 5] = [
            b"",
            b"garbage",
            b"\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02",
            b"\x30\x82\xff\xff",
            // A ContentInfo of type data, not SignedData.
            b"\x30\x0f\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01\xa0\x02\x04\x00",
        ];
        for block in cases {
            let apk = zip_of(&[("AndroidManifest.xml", b"m"), ("META-INF/CERT.RSA", block)]);
            let f = facts(&apk);
            assert!(f.cert_sha1.is_empty());
            let e = f.error.expect("a note");
            assert!(e.contains("META-INF/CERT.RSA"), "{e}");
        }
        let unsigned = zip_of(&[("AndroidManifest.xml", b"m")]);
        let e = facts(&unsigned).error.expect("a note");
        assert!(e.contains("no v1 signature"), "{e}");
    }
}
