//! Discord's rate limits as Discord sends them (https://discord.com/developers/docs/topics/rate-limits):
//! every answer carries `X-RateLimit-Limit`, `-Remaining`, `-Reset`, `-Reset-After` and
//! `-Bucket` for its route's bucket; a route 429 adds `Retry-After` (whole seconds, rounded up,
//! as in Discord's examples) and `X-RateLimit-Scope: user`, a global one `X-RateLimit-Global:
//! true` and `X-RateLimit-Scope: global`; the body is `{"message", "retry_after" (float
//! seconds), "global"}`.
//!
//! Buckets are per route and per top-level resource (channel, guild, webhook + token), and a
//! window opens with its first request, as Discord's do. Discord publishes no per-route figures
//! ("should not be hard coded"); the defaults here are the ones bots commonly observe in those
//! headers and that Discord's own examples use: creating a message, 5 per 5 s per channel;
//! adding a reaction, 1 per 0.25 s per channel; anything else, a generous 50 per second per
//! route and resource, so that every answer carries headers without inventing a limit. Tests
//! can change any of them with `Sandbox::set_route_limit`. The global limit (50 per second per
//! bot on Discord) is off unless a test sets it; interaction endpoints are exempt from it, as
//! on Discord.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How many requests a bucket allows per window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RouteLimit {
    pub limit: u32,
    pub per: Duration,
}

/// Creating a message in a channel: 5 per 5 s per channel.
pub const MESSAGE_CREATE_LIMIT: RouteLimit = RouteLimit {
    limit: 5,
    per: Duration::from_secs(5),
};
/// Adding a reaction: 1 per 0.25 s per channel.
pub const REACTION_LIMIT: RouteLimit = RouteLimit {
    limit: 1,
    per: Duration::from_millis(250),
};
/// Every other route: 50 per second per route and resource.
pub const DEFAULT_LIMIT: RouteLimit = RouteLimit {
    limit: 50,
    per: Duration::from_secs(1),
};

/// A route as Discord buckets it: its template ("POST /channels/{channel.id}/messages") and
/// its top-level resource ("channels/123"; empty when it has none).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Route {
    pub template: String,
    pub resource: String,
}

impl Route {
    /// `segments` is the path after `/api/v10`, split on '/'.
    pub fn of(method: &str, segments: &[&str]) -> Route {
        let mut template = Vec::with_capacity(segments.len());
        let mut resource = String::new();
        let mut previous = "";
        let mut before_previous = "";
        for segment in segments {
            let numeric = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
            let part = match (before_previous, previous) {
                (_, "channels") if numeric && resource.is_empty() => {
                    resource = format!("channels/{segment}");
                    "{channel.id}"
                }
                (_, "guilds") if numeric && resource.is_empty() => {
                    resource = format!("guilds/{segment}");
                    "{guild.id}"
                }
                (_, "webhooks") if numeric && resource.is_empty() => {
                    resource = format!("webhooks/{segment}");
                    "{webhook.id}"
                }
                ("webhooks", _) if resource.starts_with("webhooks/") && !numeric => {
                    resource.push('/');
                    resource.push_str(segment);
                    "{webhook.token}"
                }
                (_, "interactions") if numeric => {
                    resource = format!("interactions/{segment}");
                    "{interaction.id}"
                }
                ("interactions", _) => "{interaction.token}",
                (_, "reactions") => "{emoji}",
                _ if numeric => "{id}",
                _ => segment,
            };
            template.push(part);
            before_previous = previous;
            previous = segment;
        }
        Route {
            template: format!("{method} /{}", template.join("/")),
            resource,
        }
    }

    fn is_interaction(&self) -> bool {
        self.template.contains(" /interactions/")
    }
}

/// The route headers of one answer.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketHeaders {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the bucket's window resets, rounded up to the millisecond.
    pub reset_after: f64,
    pub bucket: String,
}

impl BucketHeaders {
    /// As (name, value) pairs, `X-RateLimit-Reset` as Unix seconds with milliseconds.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let reset = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64()
            + self.reset_after;
        vec![
            ("x-ratelimit-limit", self.limit.to_string()),
            ("x-ratelimit-remaining", self.remaining.to_string()),
            ("x-ratelimit-reset", format!("{reset:.3}")),
            (
                "x-ratelimit-reset-after",
                format!("{:.3}", self.reset_after),
            ),
            ("x-ratelimit-bucket", self.bucket.clone()),
        ]
    }
}

/// What the limits say about one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Go ahead; the answer carries these headers (none for routes without a bucket).
    Pass(Option<BucketHeaders>),
    /// 429.
    Limited {
        retry_after: f64,
        global: bool,
        headers: Option<BucketHeaders>,
    },
}

struct Bucket {
    window_start: Instant,
    used: u32,
    /// Held shut until then (after a forced 429).
    blocked_until: Option<Instant>,
}

/// The global window: requests per second per bot.
struct GlobalWindow {
    per_second: u32,
    window_start: Instant,
    used: u32,
}

/// Every bucket the fake keeps, and the global limit.
#[derive(Default)]
pub(crate) struct RateLimits {
    global: Option<GlobalWindow>,
    global_blocked_until: Option<Instant>,
    overrides: HashMap<String, RouteLimit>,
    buckets: HashMap<Route, Bucket>,
    /// How many 429s were answered.
    pub limited: u64,
}

impl RateLimits {
    pub fn set_global(&mut self, per_second: Option<u32>) {
        self.global = per_second.map(|per_second| GlobalWindow {
            per_second,
            window_start: Instant::now(),
            used: 0,
        });
    }

    pub fn set_route_limit(&mut self, template: &str, limit: RouteLimit) {
        self.overrides.insert(template.to_owned(), limit);
        self.buckets.retain(|route, _| route.template != template);
    }

    fn limit_for(&self, route: &Route) -> RouteLimit {
        if let Some(limit) = self.overrides.get(&route.template) {
            return *limit;
        }
        match route.template.as_str() {
            "POST /channels/{channel.id}/messages" => MESSAGE_CREATE_LIMIT,
            t if t.starts_with("PUT /channels/{channel.id}/messages/{id}/reactions/") => {
                REACTION_LIMIT
            }
            _ => DEFAULT_LIMIT,
        }
    }

    /// Counts a request against the global limit and its route's bucket.
    pub fn check(&mut self, route: &Route, now: Instant) -> Verdict {
        if !route.is_interaction() {
            if let Some(until) = self.global_blocked_until.filter(|u| *u > now) {
                self.limited += 1;
                return Verdict::Limited {
                    retry_after: seconds_up(until - now),
                    global: true,
                    headers: None,
                };
            }
            if let Some(global) = self.global.as_mut() {
                if now.duration_since(global.window_start) >= Duration::from_secs(1) {
                    global.window_start = now;
                    global.used = 0;
                }
                if global.used >= global.per_second {
                    let end = global.window_start + Duration::from_secs(1);
                    self.limited += 1;
                    return Verdict::Limited {
                        retry_after: seconds_up(end.saturating_duration_since(now)).max(0.001),
                        global: true,
                        headers: None,
                    };
                }
                global.used += 1;
            }
        }
        let limit = self.limit_for(route);
        let bucket = self.buckets.entry(route.clone()).or_insert(Bucket {
            window_start: now,
            used: 0,
            blocked_until: None,
        });
        if now.duration_since(bucket.window_start) >= limit.per {
            bucket.window_start = now;
            bucket.used = 0;
        }
        let end = bucket.window_start + limit.per;
        let headers = |used: u32, until: Instant| BucketHeaders {
            limit: limit.limit,
            remaining: limit.limit.saturating_sub(used),
            reset_after: seconds_up(until.saturating_duration_since(now)),
            bucket: bucket_id(&route.template),
        };
        if let Some(until) = bucket.blocked_until.filter(|u| *u > now) {
            self.limited += 1;
            return Verdict::Limited {
                retry_after: seconds_up(until - now),
                global: false,
                headers: Some(headers(limit.limit, until)),
            };
        }
        if bucket.used >= limit.limit {
            self.limited += 1;
            return Verdict::Limited {
                retry_after: seconds_up(end.saturating_duration_since(now)).max(0.001),
                global: false,
                headers: Some(headers(bucket.used, end)),
            };
        }
        bucket.used += 1;
        Verdict::Pass(Some(headers(bucket.used, end)))
    }

    /// A 429 a test asked for: holds the route's bucket (or, if `global`, every route but
    /// interactions) shut for `retry_after` seconds from now.
    pub fn force(
        &mut self,
        route: &Route,
        retry_after: f64,
        global: bool,
        now: Instant,
    ) -> Verdict {
        let until = now + Duration::from_secs_f64(retry_after.max(0.0));
        self.limited += 1;
        if global {
            self.global_blocked_until = Some(until);
            return Verdict::Limited {
                retry_after,
                global: true,
                headers: None,
            };
        }
        let limit = self.limit_for(route);
        let bucket = self.buckets.entry(route.clone()).or_insert(Bucket {
            window_start: now,
            used: 0,
            blocked_until: None,
        });
        bucket.blocked_until = Some(until);
        Verdict::Limited {
            retry_after,
            global: false,
            headers: Some(BucketHeaders {
                limit: limit.limit,
                remaining: 0,
                reset_after: retry_after,
                bucket: bucket_id(&route.template),
            }),
        }
    }
}

/// Seconds, rounded up to the millisecond: a client that waits exactly this long is never early.
fn seconds_up(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).ceil() / 1000.0
}

/// A stable, opaque id per route template, as Discord's `X-RateLimit-Bucket` (which does not
/// include the top-level resource).
fn bucket_id(template: &str) -> String {
    // FNV-1a, 64 bits.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in template.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str) -> Route {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        Route::of(method, &segments)
    }

    #[test]
    fn routes_are_bucketed_by_template_and_top_level_resource() {
        let a = route("POST", "/channels/123/messages");
        assert_eq!(a.template, "POST /channels/{channel.id}/messages");
        assert_eq!(a.resource, "channels/123");
        let thread = route("POST", "/channels/123/messages/456/threads");
        assert_eq!(
            thread.template,
            "POST /channels/{channel.id}/messages/{id}/threads"
        );
        let reaction = route("PUT", "/channels/1/messages/2/reactions/%F0%9F%8C%B1/@me");
        assert_eq!(
            reaction.template,
            "PUT /channels/{channel.id}/messages/{id}/reactions/{emoji}/@me"
        );
        let followup = route("PATCH", "/webhooks/9/tok-en/messages/@original");
        assert_eq!(
            followup.template,
            "PATCH /webhooks/{webhook.id}/{webhook.token}/messages/@original"
        );
        assert_eq!(followup.resource, "webhooks/9/tok-en");
        let callback = route("POST", "/interactions/5/token/callback");
        assert!(callback.is_interaction());
        assert_eq!(route("GET", "/gateway").template, "GET /gateway");
    }

    #[test]
    fn a_bucket_allows_its_limit_then_answers_429_until_the_window_ends() {
        let mut limits = RateLimits::default();
        let post = route("POST", "/channels/1/messages");
        let now = Instant::now();
        for n in 1..=5 {
            match limits.check(&post, now) {
                Verdict::Pass(Some(h)) => {
                    assert_eq!((h.limit, h.remaining), (5, 5 - n));
                    assert!(h.reset_after > 4.9 && h.reset_after <= 5.0, "{h:?}");
                }
                other => panic!("request {n}: {other:?}"),
            }
        }
        let Verdict::Limited {
            retry_after,
            global,
            headers,
        } = limits.check(&post, now + Duration::from_secs(1))
        else {
            panic!("the sixth within 5 s must be refused");
        };
        assert!(!global);
        assert!((3.999..=4.0).contains(&retry_after), "{retry_after}");
        assert_eq!(headers.unwrap().remaining, 0);
        // Another channel has its own bucket; the same channel opens a new window after 5 s.
        assert!(matches!(
            limits.check(&route("POST", "/channels/2/messages"), now),
            Verdict::Pass(_)
        ));
        assert!(matches!(
            limits.check(&post, now + Duration::from_secs(5)),
            Verdict::Pass(_)
        ));
        assert_eq!(limits.limited, 1);
    }

    #[test]
    fn the_global_limit_spares_interaction_callbacks_and_forced_holds_last() {
        let mut limits = RateLimits::default();
        limits.set_global(Some(1));
        let now = Instant::now();
        let get = route("GET", "/users/@me");
        assert!(matches!(limits.check(&get, now), Verdict::Pass(_)));
        assert!(matches!(
            limits.check(&get, now),
            Verdict::Limited { global: true, .. }
        ));
        let callback = route("POST", "/interactions/5/token/callback");
        assert!(matches!(limits.check(&callback, now), Verdict::Pass(_)));

        let mut limits = RateLimits::default();
        let post = route("POST", "/channels/1/messages");
        limits.force(&post, 1.5, false, now);
        assert!(matches!(
            limits.check(&post, now + Duration::from_millis(1400)),
            Verdict::Limited { global: false, .. }
        ));
        assert!(matches!(
            limits.check(&post, now + Duration::from_millis(1500)),
            Verdict::Pass(_)
        ));
    }
}
