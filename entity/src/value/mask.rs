//! Masking of personal data for display and logs.
//!
//! All functions count `char`s (not bytes), keep the input length, and never
//! panic, whatever the input.

/// Keeps `head` leading and `tail` trailing chars and stars the rest;
/// inputs too short for that keep only their last one or two chars.
fn mask_middle(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let (head, tail) = if n > head + tail {
        (head, tail)
    } else {
        // Too short to show both ends: reveal at most a small suffix.
        let tail = match n {
            0 | 1 => 0,
            2..=4 => 1,
            _ => 2,
        };
        (0, tail)
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if i < head || i >= n - tail { c } else { '*' })
        .collect()
}

/// Masks an ID number, keeping the first 3 and last 4 chars (`650***********2921`).
pub fn mask_id_number(s: &str) -> String {
    mask_middle(s, 3, 4)
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

    #[test]
    fn id_number_keeps_3_and_4() {
        assert_eq!(mask_id_number("650102199001012921"), "650***********2921");
        assert_eq!(mask_id_number("650102199001012921").chars().count(), 18);
        assert_eq!(mask_id_number("E12345678"), "E12**5678");
        assert_eq!(mask_id_number("12345678"), "123*5678");
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
        assert_eq!(mask_id_number("😀😀😀😀😀😀😀😀"), "😀😀😀*😀😀😀😀");
    }
}
