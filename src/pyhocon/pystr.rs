//! Python's text rules that pyhocon inherits: which characters `str.isspace()` and the regex
//! classes `\s` and `\d` take, `int()` of decimal digits, `repr()` of a float, `'%+g'`, and the
//! small arbitrary-precision arithmetic durations need. No parsing of HOCON here.

/// `str.isspace()`, which is also what Python's `re` takes for `\s` in a text pattern.
pub fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n'
            | '\u{0b}'
            | '\u{0c}'
            | '\r'
            | '\u{1c}'..='\u{1f}'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// The zero of every run of Unicode decimal digits (category Nd) Python 3.11 knows; each run
/// is ten consecutive code points, 0 to 9.
const DIGIT_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
    0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// The value of a character Python's `\d` matches (and `int()` accepts), if it is one.
pub fn decimal(c: char) -> Option<u8> {
    let c = c as u32;
    let i = DIGIT_ZEROS.partition_point(|&z| z <= c);
    let zero = *DIGIT_ZEROS.get(i.checked_sub(1)?)?;
    (c - zero < 10).then(|| (c - zero) as u8)
}

/// `str.upper()` of one character, when it is a single character.
pub fn upper1(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c.to_ascii_uppercase());
    }
    let mut u = c.to_uppercase();
    let first = u.next()?;
    u.next().is_none().then_some(first)
}

/// `repr(float)` (also its `str()`).
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    // Shortest round-trip digits, as Python's repr uses.
    let e = format!("{x:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let decpt = exp + 1; // digits d1 d2 ... with the point after `decpt` digits
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if x == 0.0 {
        out.push_str("0.0");
        return out;
    }
    if !(-3..=16).contains(&decpt) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        let e = decpt - 1;
        out.push(if e < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", e.abs()));
    } else if decpt <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat((-decpt) as usize));
        out.push_str(&digits);
    } else {
        let d = decpt as usize;
        if digits.len() <= d {
            out.push_str(&digits);
            out.push_str(&"0".repeat(d - digits.len()));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..d]);
            out.push('.');
            out.push_str(&digits[d..]);
        }
    }
    out
}

/// Python's `format(x, '+g')` (precision 6).
pub fn format_plus_g(x: f64) -> String {
    let sign = if x.is_sign_negative() { '-' } else { '+' };
    let a = x.abs();
    if a.is_infinite() {
        return format!("{sign}inf");
    }
    if a == 0.0 {
        return format!("{sign}0");
    }
    let e = format!("{a:.5e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let strip = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if (-4..6).contains(&exp) {
        let decimals = (5 - exp) as usize;
        format!("{sign}{}", strip(&format!("{a:.decimals$}")))
    } else {
        let es = if exp < 0 { '-' } else { '+' };
        format!("{sign}{}e{es}{:02}", strip(mant), exp.abs())
    }
}

/// A non-negative decimal integer, as its digits without leading zeros ("0" for zero).
pub fn normalize_digits(d: &str) -> String {
    let t = d.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.into()
    }
}

/// `(n // d, n % d)` for a decimal `n >= 0`.
pub fn divmod_small(n: &str, d: u64) -> (String, u64) {
    let mut q = String::with_capacity(n.len());
    let mut r: u128 = 0;
    for b in n.bytes() {
        r = r * 10 + u128::from(b - b'0');
        q.push((b'0' + (r / u128::from(d)) as u8) as char);
        r %= u128::from(d);
    }
    (normalize_digits(&q), r as u64)
}

/// `n * m` for a decimal `n >= 0`.
pub fn mul_small(n: &str, m: u64) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(n.len() + 20);
    let mut carry: u128 = 0;
    for b in n.bytes().rev() {
        let v = u128::from(b - b'0') * u128::from(m) + carry;
        out.push(b'0' + (v % 10) as u8);
        carry = v / 10;
    }
    while carry > 0 {
        out.push(b'0' + (carry % 10) as u8);
        carry /= 10;
    }
    out.reverse();
    normalize_digits(&String::from_utf8(out).unwrap_or_default())
}

/// `a + b` for decimals `>= 0`.
pub fn add(a: &str, b: &str) -> String {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let mut carry = 0u8;
    for i in 0..a.len().max(b.len()) {
        let x = if i < a.len() {
            a[a.len() - 1 - i] - b'0'
        } else {
            0
        };
        let y = if i < b.len() {
            b[b.len() - 1 - i] - b'0'
        } else {
            0
        };
        let s = x + y + carry;
        out.push(b'0' + s % 10);
        carry = s / 10;
    }
    if carry > 0 {
        out.push(b'0' + carry);
    }
    out.reverse();
    normalize_digits(&String::from_utf8(out).unwrap_or_default())
}

/// The exact decimal value of a non-negative integral float.
pub fn integral_float_digits(x: f64) -> String {
    if x < 1e18 {
        return format!("{}", x as u64);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32 - 1075;
    let mant = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    let mut s = mant.to_string();
    for _ in 0..exp.max(0) {
        s = mul_small(&s, 2);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_reprs_are_pythons() {
        for (x, want) in [
            (1.0, "1.0"),
            (1.5, "1.5"),
            (1e16, "1e+16"),
            (1234567890123456.0, "1234567890123456.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-0.0, "-0.0"),
            (1e300, "1e+300"),
            (1.5e-7, "1.5e-07"),
            (f64::INFINITY, "inf"),
        ] {
            assert_eq!(float_repr(x), want, "{x}");
        }
    }

    #[test]
    fn g_format_is_pythons() {
        for (x, want) in [
            (5.0, "+5"),
            (1234567.0, "+1.23457e+06"),
            (123456.0, "+123456"),
            (1234565.0, "+1.23456e+06"),
            (0.0, "+0"),
            (100000.0, "+100000"),
            (1000000.0, "+1e+06"),
        ] {
            assert_eq!(format_plus_g(x), want, "{x}");
        }
    }

    #[test]
    fn digits_and_spaces() {
        assert_eq!(decimal('٣'), Some(3));
        assert_eq!(decimal('9'), Some(9));
        assert_eq!(decimal(':'), None);
        assert_eq!(decimal('a'), None);
        assert!(is_space('\u{a0}') && is_space('\u{1f}') && !is_space('\u{180e}'));
        assert_eq!(divmod_small("100", 7), ("14".into(), 2));
        assert_eq!(mul_small("99", 7), "693");
        assert_eq!(add("999", "1"), "1000");
        assert_eq!(
            integral_float_digits(2f64.powi(70)),
            "1180591620717411303424"
        );
    }
}
