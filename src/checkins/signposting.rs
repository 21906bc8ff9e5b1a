//! Signposting by country: which support list a server's members are shown.
//!
//! A server's country is set by an admin (`/settings country:`) or, until then, suggested from
//! the server's time zone. A country with a list gets its own; any other country, and a time
//! zone that suggests none, gets the international list, which holds no national numbers: a
//! number from the wrong country is worse than none.
//!
//! The zone-to-country table is written here rather than taken from a library: chrono-tz does
//! not carry the tz database's zone1970.tab, no well-kept crate maps zones to countries, and only
//! the countries with a list need a suggestion (a zone elsewhere is served by the international
//! list either way).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, LazyLock};

use super::content::{ContentError, SupportList};

/// A country with a built-in support list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// ISO 3166-1 alpha-2, upper case, e.g. "GB".
    pub code: &'static str,
    /// As shown: "United Kingdom".
    pub name: &'static str,
    /// Other words an admin may type for it.
    pub aliases: &'static [&'static str],
    /// The built-in list, `config/support/<code>.toml`.
    text: &'static str,
}

/// The countries with a built-in list, in the order they are offered.
pub const COUNTRIES: &[Country] = &[
    Country {
        code: "GB",
        name: "United Kingdom",
        aliases: &[
            "UK",
            "Great Britain",
            "Britain",
            "England",
            "Scotland",
            "Wales",
            "Northern Ireland",
        ],
        text: include_str!("../../config/support/gb.toml"),
    },
    Country {
        code: "IE",
        name: "Ireland",
        aliases: &["Republic of Ireland", "Eire"],
        text: include_str!("../../config/support/ie.toml"),
    },
    Country {
        code: "US",
        name: "United States",
        aliases: &["USA", "United States of America", "America"],
        text: include_str!("../../config/support/us.toml"),
    },
    Country {
        code: "CA",
        name: "Canada",
        aliases: &[],
        text: include_str!("../../config/support/ca.toml"),
    },
    Country {
        code: "AU",
        name: "Australia",
        aliases: &[],
        text: include_str!("../../config/support/au.toml"),
    },
    Country {
        code: "NZ",
        name: "New Zealand",
        aliases: &["Aotearoa"],
        text: include_str!("../../config/support/nz.toml"),
    },
];

/// The built-in list for everywhere else: directories and "your local emergency number".
const INTERNATIONAL: &str = include_str!("../../config/support/international.toml");

/// Stored when an admin says the server is in another country than those listed (ISO 3166's
/// code for an unknown or unspecified country): the international list, whatever the zone.
pub const ANOTHER_COUNTRY: &str = "ZZ";

/// What an admin may type to go back to the time zone's suggestion.
const FROM_TIME_ZONE: &[&str] = &["auto", "time zone", "timezone", "none", "clear", "unset"];
/// What an admin may type for a country without a list.
const ANOTHER: &[&str] = &[
    "other",
    "another",
    "another country",
    "international",
    "elsewhere",
];

/// The country with this code, if it has a built-in list.
pub fn country(code: &str) -> Option<&'static Country> {
    COUNTRIES.iter().find(|c| c.code.eq_ignore_ascii_case(code))
}

/// What an admin chose with `/settings country:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CountryChoice {
    /// This ISO 3166-1 alpha-2 code, upper case (`ANOTHER_COUNTRY` for "another country").
    Set(String),
    /// No country: follow the time zone's suggestion.
    FromTimeZone,
}

/// Reads what an admin typed or picked: a listed country's code or name, any other two-letter
/// country code, "other", or "auto".
pub fn parse_country(input: &str) -> Result<CountryChoice, String> {
    let typed = input.trim();
    let lower = typed.to_lowercase();
    if FROM_TIME_ZONE.contains(&lower.as_str()) {
        return Ok(CountryChoice::FromTimeZone);
    }
    if ANOTHER.contains(&lower.as_str()) {
        return Ok(CountryChoice::Set(ANOTHER_COUNTRY.to_owned()));
    }
    let listed = COUNTRIES.iter().find(|c| {
        c.code.eq_ignore_ascii_case(typed)
            || c.name.eq_ignore_ascii_case(typed)
            || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(typed))
    });
    if let Some(country) = listed {
        return Ok(CountryChoice::Set(country.code.to_owned()));
    }
    if typed.len() == 2 && typed.chars().all(|c| c.is_ascii_alphabetic()) {
        return Ok(CountryChoice::Set(typed.to_ascii_uppercase()));
    }
    Err(format!(
        "I don't know the country {}. Pick one from the list as you type, give its two-letter code (e.g. FR), choose \"Another country\" for the international helplines, or \"auto\" to follow the time zone.",
        crate::echo::quote(typed)
    ))
}

/// The country a time zone suggests, among those with a list.
pub fn suggest(timezone: &str) -> Option<&'static str> {
    const US: &[&str] = &[
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Phoenix",
        "America/Anchorage",
        "America/Juneau",
        "America/Sitka",
        "America/Yakutat",
        "America/Nome",
        "America/Adak",
        "America/Metlakatla",
        "America/Detroit",
        "America/Boise",
        "America/Menominee",
        "America/Indianapolis",
        "America/Louisville",
        "America/Fort_Wayne",
        "America/Knox_IN",
        "America/Shiprock",
        "America/Atka",
        "Pacific/Honolulu",
        "Navajo",
    ];
    const CA: &[&str] = &[
        "America/Toronto",
        "America/Montreal",
        "America/Vancouver",
        "America/Edmonton",
        "America/Winnipeg",
        "America/Regina",
        "America/Halifax",
        "America/St_Johns",
        "America/Moncton",
        "America/Glace_Bay",
        "America/Goose_Bay",
        "America/Whitehorse",
        "America/Dawson",
        "America/Dawson_Creek",
        "America/Fort_Nelson",
        "America/Creston",
        "America/Cambridge_Bay",
        "America/Inuvik",
        "America/Iqaluit",
        "America/Rankin_Inlet",
        "America/Resolute",
        "America/Swift_Current",
        "America/Atikokan",
        "America/Coral_Harbour",
        "America/Blanc-Sablon",
        "America/Nipigon",
        "America/Thunder_Bay",
        "America/Rainy_River",
        "America/Yellowknife",
        "America/Pangnirtung",
    ];
    const GB: &[&str] = &["Europe/London", "Europe/Belfast", "GB", "GB-Eire"];
    const IE: &[&str] = &["Europe/Dublin", "Eire"];
    const NZ: &[&str] = &["Pacific/Auckland", "Pacific/Chatham", "NZ", "NZ-CHAT"];
    let zone = timezone.trim();
    let under = |prefix: &str| zone.starts_with(prefix);
    if US.contains(&zone)
        || under("America/Indiana/")
        || under("America/Kentucky/")
        || under("America/North_Dakota/")
        || under("US/")
    {
        Some("US")
    } else if CA.contains(&zone) || under("Canada/") {
        Some("CA")
    } else if GB.contains(&zone) {
        Some("GB")
    } else if IE.contains(&zone) {
        Some("IE")
    } else if under("Australia/") || zone == "Antarctica/Macquarie" {
        Some("AU")
    } else if NZ.contains(&zone) {
        Some("NZ")
    } else {
        None
    }
}

/// Which country's signposting a server gets, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signposting {
    /// The country an admin set, if any.
    pub set: Option<String>,
    /// What the server's time zone suggests, if it suggests a country with a list.
    pub suggested: Option<&'static str>,
}

impl Signposting {
    pub fn new(set: Option<&str>, timezone: &str) -> Signposting {
        Signposting {
            set: set
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_ascii_uppercase),
            suggested: suggest(timezone),
        }
    }

    /// The country whose list is shown: the one set, else the time zone's suggestion.
    pub fn country(&self) -> Option<&str> {
        self.set.as_deref().or(self.suggested)
    }

    /// One line for an admin: what is set, what is suggested, and which list members see.
    pub fn describe(&self, lists: &SupportLists) -> String {
        let shown = lists.describe_list(self.country());
        match (&self.set, self.suggested) {
            (Some(set), _) => format!("{}: {shown}", name(set)),
            (None, Some(suggested)) => format!(
                "not set; {} suggested by the time zone: {shown}",
                name(suggested)
            ),
            (None, None) => format!(
                "not set, and the time zone suggests none: {shown}. Set one with `/settings country:`"
            ),
        }
    }
}

/// A country code as shown to an admin: "United States (US)", "FR", "another country".
pub fn name(code: &str) -> String {
    if code.eq_ignore_ascii_case(ANOTHER_COUNTRY) {
        return "another country".to_owned();
    }
    match country(code) {
        Some(country) => format!("{} ({})", country.name, country.code),
        None => code.to_ascii_uppercase(),
    }
}

/// The support lists: one per country, and the international one for everywhere else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportLists {
    countries: BTreeMap<String, Arc<SupportList>>,
    international: Arc<SupportList>,
    /// An operator's single file, shown to every server whatever its country.
    everywhere: Option<Arc<SupportList>>,
}

static BUILTIN: LazyLock<SupportLists> = LazyLock::new(|| {
    SupportLists::parse_builtin()
        .unwrap_or_else(|e| panic!("a built-in support list is broken: {e}"))
});

impl SupportLists {
    /// The lists compiled into the binary.
    ///
    /// # Panics
    /// Only if a built-in file is invalid, which a unit test rules out.
    pub fn builtin() -> SupportLists {
        BUILTIN.clone()
    }

    fn parse_builtin() -> Result<SupportLists, ContentError> {
        let mut countries = BTreeMap::new();
        for country in COUNTRIES {
            let file = format!(
                "built-in config/support/{}.toml",
                country.code.to_lowercase()
            );
            countries.insert(
                country.code.to_owned(),
                Arc::new(SupportList::parse_named(country.text, &file)?),
            );
        }
        let international =
            SupportList::parse_named(INTERNATIONAL, "built-in config/support/international.toml")?;
        Ok(SupportLists {
            countries,
            international: Arc::new(international),
            everywhere: None,
        })
    }

    /// An operator's lists. A file is shown to every server instead of the built-in lists (as
    /// before there were countries). A folder holds `<code>.toml` files (`gb.toml` or `uk.toml`,
    /// `us.toml`, `fr.toml`, ...) that replace or add countries' lists, and optionally
    /// `international.toml`; the built-in lists stand for the rest.
    pub fn load(path: &Path) -> Result<SupportLists, ContentError> {
        if !path.is_dir() {
            let mut lists = SupportLists::builtin();
            lists.everywhere = Some(Arc::new(SupportList::load(path)?));
            return Ok(lists);
        }
        let mut lists = SupportLists::builtin();
        let unreadable = |source| ContentError::Read {
            file: path.display().to_string(),
            source,
        };
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .map_err(unreadable)?
            .collect::<Result<_, _>>()
            .map_err(unreadable)?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let file = entry.path();
            if file.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let stem = file
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_ascii_lowercase();
            let list = Arc::new(SupportList::load(&file)?);
            match stem.as_str() {
                "international" => lists.international = list,
                "uk" => {
                    lists.countries.insert("GB".to_owned(), list);
                }
                code if code.len() == 2 && code.chars().all(|c| c.is_ascii_lowercase()) => {
                    lists.countries.insert(code.to_ascii_uppercase(), list);
                }
                _ => {
                    return Err(ContentError::Invalid {
                        file: file.display().to_string(),
                        problems: vec![format!(
                            "\"{stem}.toml\" is not named after a country; name it with the country's two-letter code (e.g. us.toml, fr.toml) or international.toml"
                        )],
                    });
                }
            }
        }
        Ok(lists)
    }

    /// The list shown for this country: its own, or the international one.
    pub fn for_country(&self, code: Option<&str>) -> &SupportList {
        if let Some(everywhere) = &self.everywhere {
            return everywhere;
        }
        code.and_then(|code| self.countries.get(&code.to_ascii_uppercase()))
            .unwrap_or(&self.international)
    }

    /// Whether this country has a list of its own.
    pub fn has_list(&self, code: &str) -> bool {
        self.countries.contains_key(&code.to_ascii_uppercase())
    }

    /// Which list a server in this country sees, in words for an admin.
    pub fn describe_list(&self, code: Option<&str>) -> String {
        if self.everywhere.is_some() {
            return "members see the operator's own support list".to_owned();
        }
        match code {
            Some(code) if self.has_list(code) => {
                format!("members see the helplines for {}", name(code))
            }
            _ => "members see the international helplines and \"call your local emergency number\""
                .to_owned(),
        }
    }

    /// Every list, named, for `smallacts check`.
    pub fn all(&self) -> Vec<(String, &SupportList)> {
        let mut all: Vec<(String, &SupportList)> = self
            .countries
            .iter()
            .map(|(code, list)| (name(code), list.as_ref()))
            .collect();
        all.push(("international".to_owned(), &self.international));
        if let Some(everywhere) = &self.everywhere {
            all.push((
                "the operator's list for every server".to_owned(),
                everywhere,
            ));
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_entry_names_its_source_and_the_day_it_was_checked() {
        let lists = SupportLists::parse_builtin().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lists.all().len(), COUNTRIES.len() + 1);
        for (list_name, list) in lists.all() {
            for resource in &list.resources {
                assert_eq!(
                    resource.unchecked(),
                    None,
                    "{list_name}: {} must give a source and checked_on",
                    resource.name
                );
                let source = resource.source.as_deref().unwrap();
                assert!(source.starts_with("https://"), "{list_name}: {source}");
                let day = resource.checked_on.as_deref().unwrap();
                chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
                    .unwrap_or_else(|_| panic!("{list_name}: {day} is not a date"));
            }
        }
    }

    #[test]
    fn every_country_list_gives_its_emergency_number_and_national_lines() {
        let lists = SupportLists::builtin();
        let expect: &[(&str, &str, &[&str])] = &[
            ("GB", "999", &["116 123", "Samaritans"]),
            ("IE", "112", &["116 123", "Samaritans Ireland"]),
            ("US", "911", &["988"]),
            ("CA", "911", &["988"]),
            ("AU", "000", &["13 11 14", "Lifeline"]),
            ("NZ", "111", &["1737", "Need to talk?"]),
        ];
        for (code, emergency, lines) in expect {
            let list = lists.for_country(Some(*code));
            assert!(list.intro.contains(emergency), "{code}: {}", list.intro);
            let first = &list.resources[0];
            assert!(first.name.starts_with("Emergency"), "{code}: {first:?}");
            assert!(
                first.contact.as_deref().unwrap_or("").contains(emergency),
                "{code}: {first:?}"
            );
            let all = format!("{list:?}");
            for line in *lines {
                assert!(all.contains(line), "{code} lacks {line}");
            }
        }
    }

    #[test]
    fn the_international_list_has_no_national_numbers() {
        let lists = SupportLists::builtin();
        let international = lists.for_country(None);
        let text = format!("{international:?}");
        assert!(text.contains("findahelpline.com"), "{text}");
        assert!(text.contains("local emergency number"), "{text}");
        for resource in &international.resources {
            assert_eq!(resource.contact, None, "{resource:?}");
        }
        for number in [
            "999", "911", "112", "000", "111", "116 123", "988", "13 11 14", "1737",
        ] {
            assert!(
                !international.intro.contains(number),
                "{number} in {}",
                international.intro
            );
        }
        // A country without a list, and "another country", get it too.
        assert_eq!(lists.for_country(Some("FR")), international);
        assert_eq!(lists.for_country(Some(ANOTHER_COUNTRY)), international);
    }

    #[test]
    fn time_zones_suggest_their_country() {
        for (zone, code) in [
            ("America/New_York", Some("US")),
            ("America/Indiana/Indianapolis", Some("US")),
            ("Pacific/Honolulu", Some("US")),
            ("America/Toronto", Some("CA")),
            ("America/St_Johns", Some("CA")),
            ("Europe/London", Some("GB")),
            ("Europe/Dublin", Some("IE")),
            ("Australia/Sydney", Some("AU")),
            ("Australia/Perth", Some("AU")),
            ("Pacific/Auckland", Some("NZ")),
            ("America/Mexico_City", None),
            ("America/Sao_Paulo", None),
            ("Europe/Paris", None),
            ("UTC", None),
        ] {
            assert_eq!(suggest(zone), code, "{zone}");
        }
        // Every zone named in the table is a real one.
        for zone in chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()) {
            if let Some(code) = suggest(zone) {
                assert!(country(code).is_some(), "{zone} suggests {code}");
            }
        }
        assert!(
            chrono_tz::TZ_VARIANTS
                .iter()
                .filter(|z| suggest(z.name()) == Some("US"))
                .count()
                > 20
        );
    }

    #[test]
    fn a_set_country_wins_over_the_time_zone() {
        let lists = SupportLists::builtin();
        let set = Signposting::new(Some("us"), "Europe/London");
        assert_eq!(set.country(), Some("US"));
        assert!(set.describe(&lists).contains("United States (US)"));
        let suggested = Signposting::new(None, "Europe/Dublin");
        assert_eq!(suggested.country(), Some("IE"));
        assert!(
            suggested
                .describe(&lists)
                .contains("suggested by the time zone")
        );
        let nowhere = Signposting::new(None, "Europe/Paris");
        assert_eq!(nowhere.country(), None);
        assert!(nowhere.describe(&lists).contains("international helplines"));
    }

    #[test]
    fn admins_can_name_a_country_in_several_ways() {
        assert_eq!(parse_country("uk"), Ok(CountryChoice::Set("GB".into())));
        assert_eq!(
            parse_country("New Zealand"),
            Ok(CountryChoice::Set("NZ".into()))
        );
        assert_eq!(parse_country("fr"), Ok(CountryChoice::Set("FR".into())));
        assert_eq!(
            parse_country("other"),
            Ok(CountryChoice::Set(ANOTHER_COUNTRY.into()))
        );
        assert_eq!(parse_country("auto"), Ok(CountryChoice::FromTimeZone));
        let error = parse_country("Narnia").unwrap_err();
        assert!(error.contains("two-letter code"), "{error}");
    }

    #[test]
    fn an_operator_folder_replaces_some_countries_and_a_file_replaces_all() {
        let dir = std::env::temp_dir().join(format!("smallacts-support-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let list = "intro = \"Talking helps.\"\n\n[[resource]]\nname = \"Helpline\"\ndetails = \"Free, any time.\"\n";
        std::fs::write(dir.join("fr.toml"), list).unwrap();
        std::fs::write(dir.join("uk.toml"), list.replace("Helpline", "Our UK line")).unwrap();
        let lists = SupportLists::load(&dir).unwrap();
        assert_eq!(lists.for_country(Some("FR")).resources[0].name, "Helpline");
        assert_eq!(
            lists.for_country(Some("GB")).resources[0].name,
            "Our UK line"
        );
        assert_eq!(
            lists.for_country(Some("US")),
            SupportLists::builtin().for_country(Some("US"))
        );
        std::fs::write(dir.join("france.toml"), list).unwrap();
        let error = SupportLists::load(&dir).unwrap_err().to_string();
        assert!(error.contains("two-letter code"), "{error}");
        let single = SupportLists::load(&dir.join("fr.toml")).unwrap();
        assert_eq!(single.for_country(Some("US")).resources[0].name, "Helpline");
        assert_eq!(single.for_country(None).resources[0].name, "Helpline");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
