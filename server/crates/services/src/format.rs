use time::OffsetDateTime;
use time::macros::format_description;

/// `2026-11-26` for a unix-millisecond time (UTC).
pub fn format_date(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(format_description!("[year]-[month]-[day]")).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::format_date(0), "1970-01-01");
        assert_eq!(super::format_date(1_764_115_200_000), "2025-11-26");
    }
}
