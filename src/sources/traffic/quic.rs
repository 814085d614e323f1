//! QUIC Initial decryption (RFC 9001 §5, RFC 9369): SNI from the client's Initial packets.
