//! Time zones: IANA names read forgivingly, the closest real name suggested for a typo, and
//! suggestions for autocomplete.

use chrono_tz::Tz;

use super::ScheduleError;

/// The zone a server gets until it chooses one.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::London;

/// Offered when the autocomplete box is empty, and preferred when ranking matches.
pub const COMMON_TIME_ZONES: &[&str] = &[
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Vancouver",
    "America/Sao_Paulo",
    "America/Mexico_City",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Africa/Johannesburg",
    "UTC",
];

/// Region prefixes of current IANA names; others ("US/Eastern", "GB", "Etc/GMT+5") are legacy
/// aliases that still work but are not worth suggesting first.
const REGIONS: &[&str] = &[
    "Africa/",
    "America/",
    "Antarctica/",
    "Arctic/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
];

/// Lower is better: common zones in their listed order, then current names, then legacy.
fn preference(name: &str) -> usize {
    if let Some(position) = COMMON_TIME_ZONES.iter().position(|common| *common == name) {
        position
    } else if REGIONS.iter().any(|region| name.starts_with(region)) {
        COMMON_TIME_ZONES.len()
    } else {
        COMMON_TIME_ZONES.len() + 1
    }
}

/// Lower case with spaces as underscores, so "new york" matches "America/New_York".
fn normalise_zone(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
        .to_lowercase()
}

fn city_part(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// An IANA time zone name, matched case-insensitively ("europe/london" works, and spaces may
/// stand for underscores). Unknown names get the closest real name as a suggestion.
pub fn parse_timezone(name: &str) -> Result<Tz, ScheduleError> {
    let wanted = normalise_zone(name);
    if !wanted.is_empty()
        && let Some(tz) = chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(&wanted))
    {
        return Ok(*tz);
    }
    Err(ScheduleError::UnknownTimeZone {
        name: name.trim().to_string(),
        suggestion: closest_time_zone(&wanted).map(str::to_string),
    })
}

/// The real name someone probably meant: same city ("london"), the start of a name
/// ("Europe/Lon"), a typo (edit distance), or any name containing the text.
fn closest_time_zone(wanted: &str) -> Option<&'static str> {
    // No zone name is much over 30 characters: longer input is no typo of one, and measuring
    // its distance to every zone would take seconds for 6,000 characters.
    const LONGEST_WORTH_MATCHING: usize = 64;
    if wanted.is_empty() || wanted.len() > LONGEST_WORTH_MATCHING {
        return None;
    }
    let names = || chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
    let wanted_city = city_part(wanted);
    if let Some(name) = names()
        .filter(|name| city_part(name).eq_ignore_ascii_case(wanted_city))
        .min_by_key(|name| (preference(name), *name))
    {
        return Some(name);
    }
    let best_match = timezone_suggestions(wanted, 1).first().copied();
    if let Some(name) = best_match {
        let lower = name.to_lowercase();
        if city_part(&lower).starts_with(wanted_city) || lower.starts_with(wanted) {
            return Some(name);
        }
    }
    let allowed = |len: usize| (len / 4).clamp(1, 3);
    let typo = names()
        .filter_map(|name| {
            let lower = name.to_lowercase();
            let whole = edit_distance(&lower, wanted);
            let city = edit_distance(city_part(&lower), wanted_city);
            let distance = if whole <= allowed(wanted.len()) {
                whole
            } else if city <= allowed(wanted_city.len()) {
                city
            } else {
                return None;
            };
            Some((distance, preference(name), name))
        })
        .min();
    typo.map(|(_, _, name)| name).or(best_match)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// For autocomplete: names containing the text (case-insensitive), best first: the city
/// starting with it, then the whole name starting with it, then the city or name containing
/// it; common and current names before legacy aliases. Common zones when the text is empty.
pub fn timezone_suggestions(partial: &str, limit: usize) -> Vec<&'static str> {
    let wanted = normalise_zone(partial);
    if wanted.is_empty() {
        return COMMON_TIME_ZONES.iter().copied().take(limit).collect();
    }
    let mut matches: Vec<(u8, usize, &'static str)> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter_map(|name| {
            let lower = name.to_lowercase();
            let city = city_part(&lower);
            let rank = if city.starts_with(&wanted) {
                0
            } else if lower.starts_with(&wanted) {
                1
            } else if city.contains(&wanted) {
                2
            } else if lower.contains(&wanted) {
                3
            } else {
                return None;
            };
            Some((rank, preference(name), name))
        })
        .collect();
    matches.sort();
    matches
        .into_iter()
        .map(|(_, _, name)| name)
        .take(limit)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::calendar::testing::{LONDON, SYDNEY};

    #[test]
    fn time_zones_parse_exactly_and_case_insensitively() {
        assert_eq!(parse_timezone("Europe/London").unwrap(), LONDON);
        assert_eq!(parse_timezone("europe/london").unwrap(), LONDON);
        assert_eq!(parse_timezone(" EUROPE/LONDON ").unwrap(), LONDON);
        assert_eq!(parse_timezone("Australia/Sydney").unwrap(), SYDNEY);
        assert_eq!(
            parse_timezone("america/new york").unwrap(),
            chrono_tz::America::New_York
        );
        assert_eq!(parse_timezone("UTC").unwrap(), chrono_tz::UTC);
        assert_eq!(DEFAULT_TIME_ZONE, LONDON);
    }

    #[test]
    fn unknown_time_zones_suggest_the_closest() {
        let suggestion = |name: &str| match parse_timezone(name) {
            Err(ScheduleError::UnknownTimeZone { suggestion, .. }) => suggestion,
            other => panic!("{name:?} should be unknown, got {other:?}"),
        };
        assert_eq!(suggestion("Europe/Lndon").as_deref(), Some("Europe/London"));
        assert_eq!(suggestion("london").as_deref(), Some("Europe/London"));
        assert_eq!(suggestion("London").as_deref(), Some("Europe/London"));
        assert_eq!(suggestion("Europe/Londn").as_deref(), Some("Europe/London"));
        assert_eq!(suggestion("new york").as_deref(), Some("America/New_York"));
        assert_eq!(suggestion("Sydny").as_deref(), Some("Australia/Sydney"));
        assert_eq!(suggestion("Europe/Lon").as_deref(), Some("Europe/London"));
        assert_eq!(suggestion("qqqqqqqqqqqq"), None);
        assert_eq!(suggestion(""), None);

        let message = parse_timezone("Europe/Lndon").unwrap_err().to_string();
        assert!(message.contains("\"Europe/Lndon\""), "{message}");
        assert!(
            message.contains("Did you mean \"Europe/London\"?"),
            "{message}"
        );
        let message = parse_timezone("Mars/Olympus_Mons").unwrap_err().to_string();
        assert!(message.contains("Unknown time zone"), "{message}");
        assert!(message.contains("\"Europe/London\""), "{message}");
    }

    #[test]
    fn time_zone_suggestions_for_autocomplete() {
        let lon = timezone_suggestions("lon", 10);
        assert_eq!(lon.first(), Some(&"Europe/London"));
        assert!(lon.contains(&"Arctic/Longyearbyen"));
        assert!(lon.iter().all(|name| name.to_lowercase().contains("lon")));
        assert_eq!(timezone_suggestions("LON", 1), ["Europe/London"]);
        assert_eq!(timezone_suggestions("syd", 1), ["Australia/Sydney"]);
        assert_eq!(timezone_suggestions("new yo", 1), ["America/New_York"]);
        assert_eq!(timezone_suggestions("europe/", 1), ["Europe/London"]);
        assert!(timezone_suggestions("zzzzzz", 10).is_empty());
        let empty = timezone_suggestions("", 5);
        assert_eq!(empty.len(), 5);
        assert_eq!(empty[0], "Europe/London");
        assert_eq!(
            timezone_suggestions("  ", 25).len(),
            COMMON_TIME_ZONES.len().min(25)
        );
        assert!(timezone_suggestions("a", 25).len() <= 25);
        for name in COMMON_TIME_ZONES {
            assert!(parse_timezone(name).is_ok(), "{name}");
        }
    }
}
