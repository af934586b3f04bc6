//! Masking of personal data for display and logs.
//!
//! All functions count `char`s (not bytes), keep the input length, and never
//! panic, whatever the input.

/// Stars every char of `s` but the first `head` and the last `tail`; an input too
/// short for both keeps at most a small suffix ([`short_tail`]).
fn mask_middle(s: &str, head: usize, tail: usize) -> String {
    let n = s.chars().count();
    let (head, tail) = if n > head + tail {
        (head, tail)
    } else {
        (0, short_tail(n))
    };
    // Byte offsets of the kept head's end and the kept tail's start.
    let at = |chars: usize| s.char_indices().nth(chars).map_or(s.len(), |(i, _)| i);
    let (head_end, tail_start) = (at(head), at(n - tail));
    let mut out = String::with_capacity(head_end + (n - head - tail) + s.len() - tail_start);
    out.push_str(&s[..head_end]);
    out.extend(std::iter::repeat_n('*', n - head - tail));
    out.push_str(&s[tail_start..]);
    out
}

/// What a value of `n` chars too short for its usual mask may show: at most its last
/// one or two chars, never more than half of it.
fn short_tail(n: usize) -> usize {
    match n {
        0 | 1 => 0,
        2..=4 => 1,
        _ => 2,
    }
}

/// Masks an identity document number so that at least half of it is hidden. An
/// 18-char GB 11643 number (居民身份证, 港澳台居民居住证) keeps its first 3 and last 4
/// chars (`650***********2921`); the shorter passports and permits keep 1–2 leading and
/// 3–4 trailing chars (`E*****678`, `M1******890`), whatever their type: the length
/// alone decides.
pub fn mask_id_number(s: &str) -> String {
    let n = s.chars().count();
    let (head, tail) = match n {
        18.. => (3, 4),
        14..=17 => (2, 4),
        10..=13 => (2, 3),
        8..=9 => (1, 3),
        _ => (0, short_tail(n)),
    };
    mask_middle(s, head, tail)
}

/// Masks a phone number, keeping the first 3 and last 4 chars (`181****2499`).
pub fn mask_phone(s: &str) -> String {
    mask_middle(s, 3, 4)
}

/// Masks a name, keeping only its first char (`张三` → `张*`).
pub fn mask_name(s: &str) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| if i == 0 { c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{IdNumber, IdType};

    /// How many chars of `masked` are shown at its start and at its end.
    fn shown(masked: &str) -> (usize, usize) {
        let head = masked.chars().take_while(|c| *c != '*').count();
        let tail = masked.chars().rev().take_while(|c| *c != '*').count();
        (head, tail)
    }

    #[test]
    fn id_number_keeps_3_and_4() {
        assert_eq!(mask_id_number("650102199001012921"), "650***********2921");
        assert_eq!(mask_id_number("650102199001012921").chars().count(), 18);
    }

    #[test]
    fn every_document_type_hides_at_least_half_and_shows_little_of_its_start() {
        // Valid numbers of every type and every length its format allows.
        let samples: [(IdType, &[&str]); 5] = [
            (
                IdType::ResidentId,
                &["11010519491231002X", "440524188001010014"],
            ),
            (IdType::HkMacaoTaiwanResidence, &["810000199408230021"]),
            (
                IdType::Passport,
                &[
                    "E1234",
                    "E12345",
                    "E123456",
                    "E1234567",
                    "E12345678",
                    "G123456789",
                    "X1234567890",
                    "AB123456789012",
                    "AB1234567890123",
                    "AB12345678901234",
                    "AB123456789012345",
                ],
            ),
            (IdType::HkMacaoPermit, &["H12345678", "M1234567890"]),
            (
                IdType::TaiwanPermit,
                &["12345678", "1234567890", "A123456789"],
            ),
        ];
        for (kind, numbers) in samples {
            for raw in numbers {
                let id = IdNumber::parse(kind, raw)
                    .unwrap_or_else(|e| panic!("{kind} {raw} should be valid: {e}"));
                let masked = id.masked();
                let n = raw.chars().count();
                assert_eq!(masked.chars().count(), n, "{kind} {raw}: {masked}");
                let hidden = masked.chars().filter(|c| *c == '*').count();
                assert!(
                    2 * hidden >= n,
                    "{kind} {raw}: {masked} hides less than half"
                );
                let (head, tail) = shown(&masked);
                assert!(head + tail + hidden == n, "{kind} {raw}: {masked}");
                if kind.is_gb11643() {
                    assert_eq!((head, tail), (3, 4), "{kind} {raw}: {masked}");
                } else {
                    assert!(head <= 2 && tail <= 4, "{kind} {raw}: {masked}");
                }
            }
        }
    }

    #[test]
    fn passports_and_permits_show_a_few_chars_only() {
        assert_eq!(mask_id_number("E12345678"), "E*****678");
        assert_eq!(mask_id_number("H12345678"), "H*****678");
        assert_eq!(mask_id_number("12345678"), "1****678");
        assert_eq!(mask_id_number("1234567890"), "12*****890");
        assert_eq!(mask_id_number("M1234567890"), "M1******890");
        assert_eq!(mask_id_number("A123456789"), "A1*****789");
        assert_eq!(mask_id_number("AB123456789012"), "AB********9012");
        assert_eq!(mask_id_number("AB123456789012345"), "AB***********2345");
    }

    #[test]
    fn id_number_short_inputs() {
        assert_eq!(mask_id_number(""), "");
        assert_eq!(mask_id_number("1"), "*");
        assert_eq!(mask_id_number("12"), "*2");
        assert_eq!(mask_id_number("1234"), "***4");
        assert_eq!(mask_id_number("12345"), "***45");
        assert_eq!(mask_id_number("1234567"), "*****67");
    }

    #[test]
    fn remasking_a_stored_mask_gives_the_mask_of_the_number() {
        // The migration that tightened the mask applies it to the masks stored under
        // the old rule (first 3 and last 4 shown); that must equal masking the number.
        let old = |s: &str| mask_middle(s, 3, 4);
        for raw in ["E12345678", "12345678", "M1234567890", "AB123456789012345"] {
            assert_eq!(mask_id_number(&old(raw)), mask_id_number(raw), "{raw}");
        }
    }

    #[test]
    fn phone_keeps_3_and_4() {
        assert_eq!(mask_phone("18112342499"), "181****2499");
        assert_eq!(mask_phone("0633-1234567"), "063*****4567");
        assert_eq!(mask_phone(""), "");
        assert_eq!(mask_phone("110"), "**0");
    }

    #[test]
    fn name_keeps_first_char() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("李"), "李");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_name("John Smith"), "J*********");
    }

    #[test]
    fn multibyte_input_never_panics() {
        assert_eq!(mask_id_number("身份证号码未知"), "*****未知");
        assert_eq!(mask_phone("一二三四五六七八"), "一二三*五六七八");
        assert_eq!(mask_id_number("😀😀😀😀😀😀😀😀"), "😀****😀😀😀");
    }
}
