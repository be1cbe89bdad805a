use time::OffsetDateTime;
use time::macros::format_description;

/// `2026-11-26` for a unix-millisecond time (UTC).
pub fn format_date(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(format_description!("[year]-[month]-[day]")).ok())
        .unwrap_or_default()
}

/// `2026-11-26 14:03:07 UTC` for a unix-millisecond time.
pub fn format_datetime(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

/// Reads `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS]` (UTC, as a `datetime-local`
/// field sends it) or plain unix milliseconds. A bare date is the start of
/// that day, or with `end_of_day` its last millisecond.
pub fn parse_time(s: &str, end_of_day: bool) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let (date, clock) = match s.split_once(['T', ' ']) {
        Some((d, c)) => (d, Some(c)),
        None => (s, None),
    };
    fn num(p: Option<&str>) -> Option<&str> {
        p.filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    }
    let mut d = date.split('-');
    let year: i32 = num(d.next())?.parse().ok()?;
    let month: u8 = num(d.next())?.parse().ok()?;
    let day: u8 = num(d.next())?.parse().ok()?;
    if d.next().is_some() {
        return None;
    }
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    let (time, extra_ms) = match clock {
        None if end_of_day => (time::Time::MIDNIGHT, 86_400_000 - 1),
        None => (time::Time::MIDNIGHT, 0),
        Some(c) => {
            let mut t = c.split(':');
            let h: u8 = num(t.next())?.parse().ok()?;
            let m: u8 = num(t.next())?.parse().ok()?;
            let (sec, extra) = match t.next() {
                Some(x) => (
                    num(Some(x))?.parse().ok()?,
                    if end_of_day { 999 } else { 0 },
                ),
                None => (0, if end_of_day { 59_999 } else { 0 }),
            };
            if t.next().is_some() {
                return None;
            }
            (time::Time::from_hms(h, m, sec).ok()?, extra)
        }
    };
    let t = time::PrimitiveDateTime::new(date, time).assume_utc();
    Some((t.unix_timestamp_nanos() / 1_000_000) as i64 + extra_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(1_764_115_200_000), "2025-11-26");
        assert_eq!(
            format_datetime(1_764_115_201_000),
            "2025-11-26 00:00:01 UTC"
        );
    }

    #[test]
    fn times_people_type() {
        assert_eq!(parse_time("2025-11-26", false), Some(1_764_115_200_000));
        assert_eq!(parse_time("2025-11-26", true), Some(1_764_201_599_999));
        assert_eq!(
            parse_time("2025-11-26T00:01", false),
            Some(1_764_115_260_000)
        );
        assert_eq!(
            parse_time("2025-11-26T00:01", true),
            Some(1_764_115_319_999)
        );
        assert_eq!(
            parse_time("2025-11-26T00:00:01", false),
            Some(1_764_115_201_000)
        );
        assert_eq!(
            parse_time(" 1764115200000 ", false),
            Some(1_764_115_200_000)
        );
        for bad in [
            "",
            "yesterday",
            "2025-13-01",
            "2025-11-26T25:00",
            "2025-11",
            "-5",
            "2025-11-26-1",
        ] {
            assert_eq!(parse_time(bad, false), None, "{bad}");
        }
    }
}
