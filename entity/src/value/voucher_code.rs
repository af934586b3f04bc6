//! Voucher codes: 120 bits from a CSPRNG written as 24 Crockford base32 characters
//! (digits and capitals without I, L, O, U), easy to read out and type when a QR code
//! will not scan. Typed codes are normalised the way Crockford decoding says: case,
//! spaces and dashes do not matter, `I`/`L` read as `1` and `O` as `0`.

use rand::RngCore;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Length of a generated code: 120 bits / 5 bits per character.
pub const CODE_LEN: usize = 24;

/// A fresh random code (`ThreadRng` is a CSPRNG seeded from the OS).
pub fn generate() -> String {
    let mut bytes = [0u8; 15];
    rand::rng().fill_bytes(&mut bytes);
    encode(&bytes)
}

/// The code of these 120 bits.
pub fn encode(bytes: &[u8; 15]) -> String {
    super::base32::encode(bytes, ALPHABET)
}

/// The canonical form of a scanned or typed code, or `None` when it cannot be one
/// (wrong length or a character outside the alphabet).
pub fn normalize(input: &str) -> Option<String> {
    let mut out = String::with_capacity(CODE_LEN);
    for c in input.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' => continue,
            'I' | 'L' => '1',
            'O' => '0',
            c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
            _ => return None,
        };
        out.push(c);
    }
    (out.len() == CODE_LEN).then_some(out)
}

/// Characters of a code left readable where the code must not be usable: enough to
/// match a voucher a member reads out, far too few to redeem it.
pub const VISIBLE_TAIL: usize = 4;

/// The code with every character but the last four starred
/// (`********************7K3Q`), for lists of vouchers that may still be redeemed.
pub fn masked(code: &str) -> String {
    let n = code.chars().count();
    code.chars()
        .enumerate()
        .map(|(i, c)| if i + VISIBLE_TAIL >= n { c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_code_shows_its_last_four_characters_only() {
        let code = "0123456789ABCDEFGHJKMNPQ";
        assert_eq!(masked(code), format!("{}MNPQ", "*".repeat(20)));
        assert_eq!(masked("ABC"), "ABC");
        assert_eq!(masked(""), "");
    }

    #[test]
    fn a_code_has_24_characters_of_the_crockford_alphabet() {
        for _ in 0..200 {
            let code = generate();
            assert_eq!(code.len(), CODE_LEN);
            assert!(code.bytes().all(|b| ALPHABET.contains(&b)), "{code}");
            assert!(!code.contains(['I', 'L', 'O', 'U']));
        }
    }

    #[test]
    fn codes_do_not_repeat() {
        let codes: std::collections::HashSet<String> = (0..10_000).map(|_| generate()).collect();
        assert_eq!(codes.len(), 10_000);
    }

    #[test]
    fn encoding_uses_every_bit() {
        assert_eq!(encode(&[0; 15]), "0".repeat(24));
        assert_eq!(encode(&[0xff; 15]), "Z".repeat(24));
        let mut one = [0u8; 15];
        one[14] = 1;
        assert_eq!(encode(&one), format!("{}1", "0".repeat(23)));
    }

    #[test]
    fn typed_codes_are_normalised_and_bad_ones_refused() {
        let code = generate();
        let typed = format!(
            "{}-{} {}",
            &code[..8].to_lowercase(),
            &code[8..16],
            &code[16..]
        );
        assert_eq!(normalize(&typed).as_deref(), Some(code.as_str()));
        assert_eq!(
            normalize("oooo iiii llll 0000 1111 2222").as_deref(),
            Some("000011111111000011112222")
        );
        assert_eq!(normalize("ABC"), None);
        assert_eq!(normalize(&format!("{code}0")), None);
        assert_eq!(normalize("UUUUUUUUUUUUUUUUUUUUUUUU"), None);
        assert_eq!(
            normalize("码码码码码码码码码码码码码码码码码码码码码码码码"),
            None
        );
    }
}
