//! Screenshot-proof vouchers (动态券码).
//!
//! An activity with `dynamic_code` makes its vouchers' fixed code useless on its own (a
//! screenshot of it is exactly what someone else would show). The member app asks for
//! a dynamic code: a signed payload naming the voucher and the current 30-second time
//! step (`DV1.<voucher id>.<step>.<signature>`, about 40 characters, shown as the QR
//! code), and a 6-digit number derived from the same step (TOTP-like: HMAC-SHA256 of the
//! voucher id and step, dynamically truncated), shown under it.
//!
//! The merchant side accepts a payload during its own step and the next one (so up to
//! 60 seconds after it was shown, at least 30): from the second step after it, it is
//! refused with 409 `DYNAMIC_CODE_EXPIRED`. Typed by hand, the code of such a voucher
//! needs the 6-digit number of the current or the previous step. The keys are derived
//! from the lookup key (`PiiCipher::subkey`), so every instance agrees on them.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const STEP_SECONDS: i64 = 30;
pub const KEY_PURPOSE: &str = "dynamic-voucher-code:v1";
const PREFIX: &str = "DV1.";
/// Steps a payload or a number stays good after its own.
const GRACE_STEPS: i64 = 1;

/// What the member app shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DynamicCode {
    pub payload: String,
    pub digits: String,
    /// Until the merchant side refuses this payload.
    pub expires_in_seconds: i64,
    /// Until the next step: when the app should fetch a new one.
    pub refresh_in_seconds: i64,
}

/// What a scanned text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scanned {
    /// Not a dynamic payload (a plain code, or anything else).
    NotAPayload,
    /// A genuine payload still good, naming this voucher.
    Voucher(i64),
    /// A genuine payload of a step that is over.
    Expired,
    /// Looks like a payload but its signature or shape is wrong.
    Forged,
}

fn step_of(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(STEP_SECONDS)
}

fn mac(key: &[u8; 32], what: &str, voucher_id: i64, step: i64) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(format!("{what}|{voucher_id}|{step}").as_bytes());
    mac.finalize().into_bytes().into()
}

fn signature(key: &[u8; 32], voucher_id: i64, step: i64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(&mac(key, "payload", voucher_id, step)[..12])
}

/// The 6-digit number of a voucher in a step (RFC 4226 dynamic truncation).
fn digits_at(key: &[u8; 32], voucher_id: i64, step: i64) -> String {
    let h = mac(key, "digits", voucher_id, step);
    let offset = (h[31] & 0x0f) as usize;
    let n = u32::from_be_bytes([
        h[offset] & 0x7f,
        h[offset + 1],
        h[offset + 2],
        h[offset + 3],
    ]);
    format!("{:06}", n % 1_000_000)
}

/// The dynamic code of a voucher now.
pub fn issue(key: &[u8; 32], voucher_id: i64, now: DateTime<Utc>) -> DynamicCode {
    let step = step_of(now);
    let next_step_at = (step + 1) * STEP_SECONDS;
    let now_s = now.timestamp();
    DynamicCode {
        payload: format!(
            "{PREFIX}{voucher_id}.{step}.{}",
            signature(key, voucher_id, step)
        ),
        digits: digits_at(key, voucher_id, step),
        expires_in_seconds: next_step_at + GRACE_STEPS * STEP_SECONDS - now_s,
        refresh_in_seconds: next_step_at - now_s,
    }
}

/// Reads a scanned text.
pub fn scan(key: &[u8; 32], text: &str, now: DateTime<Utc>) -> Scanned {
    let Some(rest) = text.trim().strip_prefix(PREFIX) else {
        return Scanned::NotAPayload;
    };
    let mut parts = rest.split('.');
    let (Some(id), Some(step), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Scanned::Forged;
    };
    let (Ok(id), Ok(step)) = (id.parse::<i64>(), step.parse::<i64>()) else {
        return Scanned::Forged;
    };
    if !constant_time_eq(sig.as_bytes(), signature(key, id, step).as_bytes()) {
        return Scanned::Forged;
    }
    let age = step_of(now) - step;
    if age > GRACE_STEPS {
        Scanned::Expired
    } else if age < -1 {
        // Signed for a step still ahead: only clocks far apart do that.
        Scanned::Forged
    } else {
        Scanned::Voucher(id)
    }
}

/// Whether `typed` is the voucher's number of the current or the previous step.
pub fn digits_match(key: &[u8; 32], voucher_id: i64, typed: &str, now: DateTime<Utc>) -> bool {
    let typed = typed.trim();
    let step = step_of(now);
    (0..=GRACE_STEPS).any(|back| {
        constant_time_eq(
            typed.as_bytes(),
            digits_at(key, voucher_id, step - back).as_bytes(),
        )
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [9; 32];

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).expect("time")
    }

    #[test]
    fn a_payload_is_good_in_its_step_and_the_next_only() {
        let start = 1_800_000_000 - 1_800_000_000 % STEP_SECONDS;
        let code = issue(&KEY, 42, at(start));
        assert!(code.payload.len() <= 48, "{}", code.payload);
        assert_eq!(code.expires_in_seconds, 60);
        assert_eq!(code.refresh_in_seconds, 30);
        assert_eq!(scan(&KEY, &code.payload, at(start)), Scanned::Voucher(42));
        assert_eq!(
            scan(&KEY, &code.payload, at(start + 59)),
            Scanned::Voucher(42)
        );
        assert_eq!(scan(&KEY, &code.payload, at(start + 60)), Scanned::Expired);
        // Whatever the moment in its step it was shown, 70 seconds later it is refused.
        let late = issue(&KEY, 42, at(start + 29));
        assert_eq!(
            scan(&KEY, &late.payload, at(start + 29 + 70)),
            Scanned::Expired
        );
    }

    #[test]
    fn forged_payloads_and_plain_codes_are_told_apart() {
        let code = issue(&KEY, 42, at(1_800_000_000));
        let other_voucher = code.payload.replacen("DV1.42.", "DV1.43.", 1);
        assert_eq!(
            scan(&KEY, &other_voucher, at(1_800_000_000)),
            Scanned::Forged
        );
        assert_eq!(
            scan(&[1; 32], &code.payload, at(1_800_000_000)),
            Scanned::Forged
        );
        assert_eq!(scan(&KEY, "DV1.x", at(1_800_000_000)), Scanned::Forged);
        assert_eq!(
            scan(&KEY, "ABCDEFGHJKMNPQRSTUVWXYZ2", at(1_800_000_000)),
            Scanned::NotAPayload
        );
    }

    #[test]
    fn the_digits_are_six_and_good_for_the_current_and_previous_step() {
        let now = at(1_800_000_000);
        let code = issue(&KEY, 42, now);
        assert_eq!(code.digits.len(), 6);
        assert!(code.digits.bytes().all(|b| b.is_ascii_digit()));
        assert!(digits_match(&KEY, 42, &code.digits, now));
        assert!(digits_match(&KEY, 42, &code.digits, at(1_800_000_000 + 30)));
        assert!(!digits_match(
            &KEY,
            42,
            &code.digits,
            at(1_800_000_000 + 90)
        ));
        assert!(!digits_match(&KEY, 43, &code.digits, now));
    }
}
