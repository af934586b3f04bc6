//! Base32 with the caller's alphabet (Crockford's for voucher codes, RFC 4648's for
//! document verification codes), without padding: every 5 bits of the input, most
//! significant first, as one character; a last partial group is padded with zero bits.

/// `bytes` written with `alphabet`.
pub fn encode(bytes: &[u8], alphabet: &[u8; 32]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(alphabet[((acc >> bits) & 31) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(alphabet[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}
