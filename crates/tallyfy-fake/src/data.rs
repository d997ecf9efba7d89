//! Seeded members and groups.
//!
//! Member `i` is generated from `(seed, i)` alone, so it is the same whatever the
//! member count is, and inserting members later never changes the existing ones.
//! Timestamps lie in a fixed window (2021 to 2025), never relative to the wall clock,
//! so two runs with the same seed serve identical bytes.

use fastrand::Rng;
use serde_json::{Value, json};

/// The first member id; ids then increase by one per member.
pub(crate) const FIRST_MEMBER_ID: i64 = 1001;
/// How many groups an organization has; members belong to zero, one or two of them.
pub(crate) const GROUP_COUNT: usize = 5;

// The window every generated timestamp falls in (unix seconds).
const WINDOW_START: i64 = 1_609_459_200; // 2021-01-01T00:00:00Z
const CREATED_END: i64 = 1_748_736_000; // 2025-06-01T00:00:00Z
const WINDOW_END: i64 = 1_767_139_200; // 2025-12-31T00:00:00Z

/// A generated member: its JSON object plus what its includes are built from.
#[derive(Debug, Clone)]
pub(crate) struct SeededMember {
    pub(crate) id: i64,
    /// The member object exactly as served without includes.
    pub(crate) json: Value,
    /// Indices into the organization's groups.
    pub(crate) groups: Vec<usize>,
    /// The `stats` include payload.
    pub(crate) stats: Value,
    /// The `country` include payload; `None` for members without a country.
    pub(crate) country: Option<Value>,
    /// Given as raw JSON ([`raw_member`]): served verbatim, includes and all.
    pub(crate) raw: bool,
}

/// A member given by a test as raw JSON, served exactly as given (whatever `with=`
/// asks for). Its id, for lookups, is a numeric `id` or numeric-string `id`; a member
/// without one gets a negative id that no request can name.
pub(crate) fn raw_member(json: Value, index: usize) -> SeededMember {
    let id = match json.get("id") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    SeededMember {
        id: id.unwrap_or(-1 - index as i64),
        json,
        groups: Vec::new(),
        stats: Value::Null,
        country: None,
        raw: true,
    }
}

/// A generated group; its member list is computed from the current members.
#[derive(Debug, Clone)]
pub(crate) struct SeededGroup {
    pub(crate) id: String,
    pub(crate) name: &'static str,
    pub(crate) description: Option<&'static str>,
    pub(crate) guests: Vec<String>,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

// (display, ascii) pairs: display names carry accents and apostrophes, emails stay ASCII.
#[rustfmt::skip]
const FIRST_NAMES: &[(&str, &str)] = &[
    ("Alice", "alice"), ("Bob", "bob"), ("Carol", "carol"), ("Dmitri", "dmitri"),
    ("Emeka", "emeka"), ("Fatima", "fatima"), ("Grace", "grace"), ("Hiroshi", "hiroshi"),
    ("Isabel", "isabel"), ("José", "jose"), ("Kwame", "kwame"), ("Léa", "lea"),
    ("Mei", "mei"), ("Noah", "noah"), ("Olivia", "olivia"), ("Priya", "priya"),
    ("Quentin", "quentin"), ("Rosa", "rosa"), ("Søren", "soren"), ("Tariq", "tariq"),
    ("Uma", "uma"), ("Viktor", "viktor"), ("Wei", "wei"), ("Zoë", "zoe"),
];
#[rustfmt::skip]
const LAST_NAMES: &[(&str, &str)] = &[
    ("Smith", "smith"), ("Jones", "jones"), ("O'Brien", "obrien"), ("García", "garcia"),
    ("Müller", "muller"), ("Nakamura", "nakamura"), ("Okafor", "okafor"),
    ("Kowalski", "kowalski"), ("Singh", "singh"), ("Dubois", "dubois"), ("Rossi", "rossi"),
    ("van der Berg", "vanderberg"), ("Smith-Jones", "smithjones"), ("Chen", "chen"),
    ("Haddad", "haddad"), ("Ivanova", "ivanova"), ("Walker", "walker"),
];
const DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "acme.example",
    "globex.example",
];
#[rustfmt::skip]
const TIMEZONES: &[(&str, &str)] = &[
    ("Europe/London", "+00:00"), ("America/New_York", "-05:00"),
    ("America/Los_Angeles", "-08:00"), ("Europe/Berlin", "+01:00"),
    ("Asia/Kolkata", "+05:30"), ("Australia/Sydney", "+10:00"), ("Asia/Tokyo", "+09:00"),
];
const LOCALES: &[&str] = &["en", "en-GB", "fr", "de", "es"];
const DATE_FORMATS: &[&str] = &["MM/DD/YYYY", "DD/MM/YYYY", "YYYY-MM-DD"];
#[rustfmt::skip]
const JOB_TITLES: &[&str] = &[
    "Operations lead", "Project Manager", "Accountant", "Sales rep", "Engineer",
    "HR partner", "Office manager", "Support agent",
];
const TEAMS: &[&str] = &["Operations", "Finance", "Sales", "Engineering", "People"];
// (id, name, phone_code, iso2)
#[rustfmt::skip]
const COUNTRIES: &[(i64, &str, &str, &str)] = &[
    (226, "United States", "1", "US"), (225, "United Kingdom", "44", "GB"),
    (81, "Germany", "49", "DE"), (74, "France", "33", "FR"), (105, "India", "91", "IN"),
    (13, "Australia", "61", "AU"), (38, "Canada", "1", "CA"), (109, "Japan", "81", "JP"),
];
const GROUPS: &[(&str, Option<&str>)] = &[
    ("Operations", Some("Runs the day-to-day processes")),
    ("Finance approvals", Some("Signs off spend over the limit")),
    ("Onboarding crew", None),
    ("Sales EMEA", Some("Europe, Middle East and Africa")),
    ("Leadership", None),
];

/// Generates members `0..count` of the organization seeded with `seed`.
pub(crate) fn members(seed: u64, count: usize) -> Vec<SeededMember> {
    (0..count as u64).map(|index| member(seed, index)).collect()
}

/// Generates member number `index` (0-based; its id is `1001 + index`).
pub(crate) fn member(seed: u64, index: u64) -> SeededMember {
    let mut rng = Rng::with_seed(mix(seed, index));
    let id = FIRST_MEMBER_ID + index as i64;
    // The first member created the organization: always an active admin.
    let (status, role) = if index == 0 {
        ("active", "admin")
    } else {
        let status = match rng.u32(0..100) {
            0..75 => "active",
            75..90 => "invited",
            _ => "disabled",
        };
        let role = match rng.u32(0..100) {
            0..15 => "admin",
            15..75 => "standard",
            _ => "light",
        };
        (status, role)
    };
    let (first, first_ascii) = FIRST_NAMES[rng.usize(..FIRST_NAMES.len())];
    let (last, last_ascii) = LAST_NAMES[rng.usize(..LAST_NAMES.len())];
    let domain = DOMAINS[rng.usize(..DOMAINS.len())];
    // The id in the local part keeps emails unique however many members there are.
    let email = format!("{first_ascii}.{last_ascii}.{id}@{domain}");
    let signed_up = status != "invited";

    let created = rng.i64(WINDOW_START..CREATED_END);
    let activated = created + rng.i64(3_600..3 * 86_400);
    let disabled = (status == "disabled").then(|| rng.i64(activated..WINDOW_END));
    // Disabled members cannot have logged in after being disabled.
    let login_end = disabled.unwrap_or(WINDOW_END);
    let last_login = (signed_up && rng.u32(0..100) >= 5).then(|| rng.i64(activated..=login_end));
    let last_updated = rng
        .i64(created..WINDOW_END)
        .max(disabled.unwrap_or(created));
    let earlier_member = |rng: &mut Rng| FIRST_MEMBER_ID + rng.i64(0..index.max(1) as i64);
    // Invited members were invited by someone; older accounts may predate the record.
    let invited = index > 0 && (status == "invited" || rng.u32(0..100) < 70);
    let invited_by = invited.then(|| earlier_member(&mut rng));
    let disabled_by = disabled.map(|_| earlier_member(&mut rng));
    let (timezone, utc_offset) = maybe(&mut rng, 85, TIMEZONES).unzip();
    let country = (rng.u32(0..100) >= 12).then(|| COUNTRIES[rng.usize(..COUNTRIES.len())]);

    let mut json = json!({
        "id": id,
        "email": email,
        "username": signed_up.then(|| format!("{first_ascii}{}{id}", &last_ascii[..1])),
        "first_name": first,
        "last_name": last,
        "full_name": format!("{first} {last}"),
        "profile_pic": (rng.u32(0..100) < 60).then(|| format!("https://cdn.example.com/avatars/{id}.png")),
        "locale": maybe(&mut rng, 80, LOCALES),
        "active": status == "active",
        "is_suspended": status == "disabled" && rng.u32(0..100) < 30,
        "support_user": index > 0 && rng.u32(0..100) < 3,
        "created_at": iso8601(created),
        "last_updated": iso8601(last_updated),
        "last_login_at": last_login.map(iso8601),
        "activated_at": signed_up.then(|| iso8601(activated)),
        "approved_at": (signed_up && rng.u32(0..100) < 90).then(|| iso8601(activated)),
        "disabled_at": disabled.map(iso8601),
        "invited_by": invited_by,
        "disabled_by": disabled_by,
        "status": status,
        "role": role,
        "phone": (rng.u32(0..100) < 40).then(|| format!("+1 555 01{:02}", rng.u32(0..100))),
        "job_title": maybe(&mut rng, 70, JOB_TITLES),
        "job_description": (rng.u32(0..100) < 15).then_some("Keeps the checklists moving."),
        "team": maybe(&mut rng, 60, TEAMS),
        "timezone": timezone,
        "UTC_offset": utc_offset,
        "date_format": maybe(&mut rng, 75, DATE_FORMATS),
        "last_known_ip": signed_up.then(|| format!("203.0.113.{}", rng.u8(1..255))),
        "last_known_country": if signed_up { country.map(|c| c.1) } else { None },
    });
    // A key no schema names: clients must tolerate extra keys.
    if rng.u32(0..100) < 20 {
        let flags = json!({ "new_editor": rng.bool(), "ai_summaries": rng.bool() });
        insert(&mut json, "beta_flags", flags);
    }

    let groups = pick_groups(&mut rng);
    let steps_created = if signed_up { rng.i64(0..200) } else { 0 };
    let stats = json!({
        "steps_created": steps_created,
        "tasks_completed": if signed_up { rng.i64(0..500) } else { 0 },
        "processes_launched": if signed_up { rng.i64(0..60) } else { 0 },
        "checklists_created": if signed_up { rng.i64(0..20) } else { 0 },
        "last_step_created_at": (steps_created > 0).then(|| iso8601(rng.i64(activated..WINDOW_END))),
    });
    let country = country.map(|(id, name, phone_code, iso2)| {
        json!({ "id": id, "name": name, "phone_code": phone_code, "iso2": iso2 })
    });
    SeededMember {
        id,
        json,
        groups,
        stats,
        country,
        raw: false,
    }
}

/// Generates the organization's groups.
pub(crate) fn groups(seed: u64) -> Vec<SeededGroup> {
    GROUPS
        .iter()
        .enumerate()
        .map(|(index, &(name, description))| {
            let mut rng = Rng::with_seed(mix(seed ^ 0x6772_6f75_7073, index as u64));
            let guests = (0..rng.usize(0..3))
                .map(|n| format!("guest{}.{n}@partner.example", index + 1))
                .collect();
            let created = rng.i64(WINDOW_START..CREATED_END);
            SeededGroup {
                id: format!("{:016x}{:016x}", rng.u64(..), rng.u64(..)),
                name,
                description,
                guests,
                created_at: iso8601(created),
                updated_at: iso8601(rng.i64(created..WINDOW_END)),
            }
        })
        .collect()
}

fn pick_groups(rng: &mut Rng) -> Vec<usize> {
    let count = match rng.u32(0..100) {
        0..30 => 0,
        30..80 => 1,
        _ => 2,
    };
    let mut picked: Vec<usize> = Vec::with_capacity(count);
    while picked.len() < count {
        let group = rng.usize(..GROUP_COUNT);
        if !picked.contains(&group) {
            picked.push(group);
        }
    }
    picked.sort_unstable();
    picked
}

/// Some value from `choices` `percent`% of the time, otherwise `None` (served as null).
fn maybe<T: Copy>(rng: &mut Rng, percent: u32, choices: &[T]) -> Option<T> {
    (rng.u32(0..100) < percent).then(|| choices[rng.usize(..choices.len())])
}

fn insert(object: &mut Value, key: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(key.to_owned(), value);
    }
}

/// SplitMix64 over (seed, index): well-spread, distinct seeds per member.
fn mix(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Formats unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (the format Tallyfy's SDK fixtures show).
pub fn iso8601(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days: days since 1970-01-01 to (year, month, day).
    let z = days + 719_468;
    let (era, doe) = (z.div_euclid(146_097), z.rem_euclid(146_097));
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (hour, minute, second) = (rem / 3_600, rem % 3_600 / 60, rem % 60);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_formats_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_717_228_800), "2024-06-01T08:00:00Z");
        assert_eq!(iso8601(1_709_164_799), "2024-02-28T23:59:59Z");
        assert_eq!(iso8601(1_709_208_000), "2024-02-29T12:00:00Z");
        assert_eq!(iso8601(WINDOW_END), "2025-12-31T00:00:00Z");
    }

    #[test]
    fn member_i_does_not_depend_on_the_member_count() {
        let few = members(9, 3);
        let many = members(9, 40);
        for (a, b) in few.iter().zip(&many) {
            assert_eq!(a.json, b.json);
            assert_eq!(a.groups, b.groups);
        }
        assert_eq!(many[39].id, 1040);
    }

    #[test]
    fn seeds_change_the_data_and_repeat_exactly() {
        let a = members(1, 10);
        let again = members(1, 10);
        let other = members(2, 10);
        assert!(a.iter().zip(&again).all(|(x, y)| x.json == y.json));
        assert!(a.iter().zip(&other).any(|(x, y)| x.json != y.json));
    }

    #[test]
    fn statuses_shape_the_member_fields() {
        let all = members(5, 300);
        assert_eq!(all[0].json["role"], "admin");
        assert_eq!(all[0].json["status"], "active");
        let count = |status: &str| all.iter().filter(|m| m.json["status"] == status).count();
        assert!(count("active") > count("invited") && count("invited") > 0);
        assert!(count("disabled") > 0);
        for m in &all {
            let j = &m.json;
            match j["status"].as_str().unwrap() {
                "invited" => {
                    assert!(j["username"].is_null() && j["last_login_at"].is_null());
                    assert!(j["activated_at"].is_null() && j["invited_by"].is_i64());
                }
                "disabled" => {
                    assert!(j["disabled_at"].is_string() && j["disabled_by"].is_i64());
                    let login = j["last_login_at"].as_str().unwrap_or("");
                    assert!(login <= j["disabled_at"].as_str().unwrap());
                }
                _ => assert!(j["disabled_at"].is_null() && j["username"].is_string()),
            }
        }
        assert!(all.iter().any(|m| m.json.get("beta_flags").is_some()));
        assert!(all.iter().any(|m| m.json["profile_pic"].is_null()));
        assert!(all.iter().any(|m| m.country.is_none()));
        let roles = ["light", "standard", "admin"];
        assert!(
            roles
                .iter()
                .all(|r| all.iter().any(|m| m.json["role"] == *r))
        );
    }

    #[test]
    fn emails_are_unique() {
        let all = members(3, 500);
        let mut emails: Vec<_> = all.iter().map(|m| m.json["email"].to_string()).collect();
        emails.sort();
        emails.dedup();
        assert_eq!(emails.len(), 500);
    }

    #[test]
    fn groups_have_32_hex_ids() {
        let groups = groups(4);
        assert_eq!(groups.len(), GROUP_COUNT);
        for g in &groups {
            assert_eq!(g.id.len(), 32);
            assert!(
                g.id.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            );
        }
    }
}
