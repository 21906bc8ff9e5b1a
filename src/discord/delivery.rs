//! Delivering scheduled posts to Discord: render, pace under the global limit, honour 429s,
//! and say what went wrong in terms the dispatcher can act on.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use poise::serenity_prelude as serenity;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::render;
use crate::ids::{ChannelId, MessageId};
use crate::jobs::{Deliver, Delivered, DeliveryError, DeliveryFuture, Outgoing};
use crate::ops::Metrics;

/// Attempts at one request when Discord answers 429.
const RATE_LIMIT_ATTEMPTS: u32 = 5;

/// Spaces requests evenly so the bot stays under Discord's global limit on its own: with the
/// proxy set, serenity's rate limiter is off, and evenly spaced requests also spread a 09:00
/// rush instead of bursting into 429s. The rate changes while the bot runs: with several
/// processes on one database each keeps to its share of the bot's budget (see
/// [`crate::fleet`]), which changes as processes come and go.
pub struct Pacer {
    /// Nanoseconds between two requests.
    interval_ns: AtomicU64,
    next: Mutex<Instant>,
}

impl Pacer {
    pub fn new(per_second: u32) -> Pacer {
        Pacer {
            interval_ns: AtomicU64::new(Self::interval_ns(per_second)),
            next: Mutex::new(Instant::now()),
        }
    }

    fn interval_ns(per_second: u32) -> u64 {
        1_000_000_000 / u64::from(per_second.max(1))
    }

    /// From the next request on, `per_second` requests a second (turns already handed out
    /// keep their time).
    pub fn set_rate(&self, per_second: u32) {
        self.interval_ns
            .store(Self::interval_ns(per_second), Ordering::Relaxed);
    }

    /// Requests per second now allowed.
    pub fn rate(&self) -> u32 {
        (1_000_000_000 / self.interval_ns.load(Ordering::Relaxed).max(1)) as u32
    }

    /// Waits for this request's turn. A turn woken more than one interval late (a busy
    /// machine, a stalled runtime) is given up and a new one taken: requests woken together
    /// after a stall would otherwise leave together, and a burst from each of several
    /// processes can pass Discord's global limit even though every pacer keeps its rate.
    /// Only once: on a machine too busy to keep any turn, requests still go.
    pub async fn wait(&self) {
        for attempt in 0..2 {
            let interval = Duration::from_nanos(self.interval_ns.load(Ordering::Relaxed));
            let at = {
                let mut next = self.next.lock().await;
                let at = (*next).max(Instant::now());
                *next = at + interval;
                at
            };
            tokio::time::sleep_until(at).await;
            if attempt == 1 || Instant::now() <= at + interval {
                return;
            }
        }
    }

    /// Holds every request back for `pause` (after a 429).
    pub async fn hold(&self, pause: Duration) {
        let mut next = self.next.lock().await;
        *next = (*next).max(Instant::now() + pause);
    }
}

/// Delivers [`Outgoing`] posts through serenity's HTTP client.
pub struct DiscordDelivery {
    http: Arc<serenity::Http>,
    pacer: Arc<Pacer>,
    metrics: Arc<Metrics>,
    /// Where 429s are held (see [`super::relay`]): on the proxy path the relay holds a retried
    /// request for as long as Discord said; on either path the pacer follows a global hold.
    holds: Option<Arc<super::relay::RateLimitHolds>>,
}

impl DiscordDelivery {
    /// Sends through `http` at the pace `pacer` keeps (which whoever holds it may change).
    pub fn new(
        http: Arc<serenity::Http>,
        pacer: Arc<Pacer>,
        metrics: Arc<Metrics>,
    ) -> DiscordDelivery {
        DiscordDelivery {
            http,
            pacer,
            metrics,
            holds: None,
        }
    }

    /// The bot's 429 holds ([`super::Bot::rate_limit_holds`]).
    pub fn with_rate_limit_holds(
        mut self,
        holds: Arc<super::relay::RateLimitHolds>,
    ) -> DiscordDelivery {
        self.holds = Some(holds);
        self
    }

    /// Runs one request, paced, trying again after a 429. On the production path serenity's
    /// limiter waits out 429s itself (a global one is also held here, for the requests behind
    /// it), so one reaches here only without a `Retry-After`. On the proxy path the relay has
    /// read the 429's `retry_after` and holds the retried request (and, for a global 429, the
    /// pacer) that long. When nothing says how long, a 429 holds every request back for one
    /// global window (Discord's global limit is per second), longer on each further 429.
    async fn paced<T, F, Fut>(&self, mut request: F) -> Result<T, serenity::Error>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, serenity::Error>>,
    {
        let mut attempt = 0;
        loop {
            if let Some(until) = self.holds.as_ref().and_then(|h| h.global_until()) {
                self.pacer
                    .hold(until.saturating_duration_since(Instant::now()))
                    .await;
            }
            self.pacer.wait().await;
            Metrics::incr(&self.metrics.discord_requests);
            match request().await {
                Err(error)
                    if status_of(&error) == Some(429) && attempt + 1 < RATE_LIMIT_ATTEMPTS =>
                {
                    attempt += 1;
                    Metrics::incr(&self.metrics.discord_rate_limited);
                    tracing::warn!(attempt, "Discord said 429: waiting before trying again");
                    if !self.holds.as_ref().is_some_and(|h| h.any()) {
                        self.pacer
                            .hold(Duration::from_secs(u64::from(attempt)))
                            .await;
                    }
                }
                other => return other,
            }
        }
    }

    /// Posts one message (paced, 429s waited out).
    async fn post(
        &self,
        channel: serenity::ChannelId,
        message: serenity::CreateMessage,
    ) -> Result<Delivered, DeliveryError> {
        let sent = self
            .paced(|| channel.send_message(&self.http, message.clone()))
            .await
            .map_err(classify)?;
        Ok(Delivered {
            message_id: sent.id.into(),
            thread_id: None,
        })
    }

    /// Opens a public thread from a posted message, archived after a day of quiet. `None`
    /// (logged) where the bot may not create one: the post still stands without it.
    async fn open_thread(
        &self,
        channel: serenity::ChannelId,
        message_id: MessageId,
        name: String,
    ) -> Option<ChannelId> {
        let message_id = serenity::MessageId::from(message_id);
        let thread = self
            .paced(|| {
                channel.create_thread_from_message(
                    &self.http,
                    message_id,
                    serenity::CreateThread::new(name.clone())
                        .auto_archive_duration(serenity::AutoArchiveDuration::OneDay),
                )
            })
            .await;
        match thread {
            Ok(thread) => Some(thread.id.into()),
            Err(error) => {
                tracing::info!(channel = channel.get(), error = %error, "no thread for the post");
                None
            }
        }
    }

    async fn send(&self, outgoing: &Outgoing) -> Result<Delivered, DeliveryError> {
        match outgoing {
            // The thread the post wants is opened later, behind the day's other messages
            // (see the dispatcher's deferred threads).
            Outgoing::Daily(post) => {
                self.post(
                    serenity::ChannelId::from(post.channel_id),
                    render::daily_post(post, outgoing.nonce()),
                )
                .await
            }
            Outgoing::AwarenessKickoff {
                channel_id, week, ..
            } => {
                let message = render::awareness_kickoff(*week, outgoing.nonce());
                self.post(serenity::ChannelId::from(*channel_id), message)
                    .await
            }
            Outgoing::AwarenessClosing {
                channel_id,
                week,
                acts_done,
                ways,
                ..
            } => {
                let message = render::awareness_closing(*week, *acts_done, ways, outgoing.nonce());
                self.post(serenity::ChannelId::from(*channel_id), message)
                    .await
            }
            Outgoing::Recap {
                channel_id,
                server,
                recap,
                ..
            } => {
                let message = render::recap_message(recap, server, outgoing.nonce());
                self.post(serenity::ChannelId::from(*channel_id), message)
                    .await
            }
            Outgoing::EventReminder {
                channel_id,
                title,
                url,
                starts_at,
                ..
            } => {
                let message = render::event_reminder(title, url, *starts_at, outgoing.nonce());
                self.post(serenity::ChannelId::from(*channel_id), message)
                    .await
            }
            Outgoing::EventThanks {
                channel_id,
                title,
                interested,
                ..
            } => {
                let message = render::event_thanks(title, *interested, outgoing.nonce());
                self.post(serenity::ChannelId::from(*channel_id), message)
                    .await
            }
            Outgoing::Checkin(post) => {
                self.post(
                    serenity::ChannelId::from(post.channel_id),
                    super::checkins::checkin_message(post, outgoing.nonce()),
                )
                .await
            }
            Outgoing::PulseResults {
                channel_id,
                title,
                result,
                min_answers,
                ..
            } => {
                let message = render::with_nonce(
                    super::checkins::pulse_results_message(title, result, *min_answers),
                    outgoing.nonce(),
                );
                self.post(serenity::ChannelId::from(*channel_id), message)
                    .await
            }
            Outgoing::Thread {
                channel_id,
                message_id,
                name,
            } => {
                let thread_id = self
                    .open_thread(
                        serenity::ChannelId::from(*channel_id),
                        *message_id,
                        name.clone(),
                    )
                    .await;
                Ok(Delivered {
                    message_id: *message_id,
                    thread_id,
                })
            }
            Outgoing::DirectMessage {
                member_id, text, ..
            } => {
                let channel = self
                    .paced(|| serenity::UserId::from(*member_id).create_dm_channel(&self.http))
                    .await
                    .map_err(classify)?
                    .id;
                let message = render::with_nonce(
                    serenity::CreateMessage::new()
                        .content(super::render::truncate(text, 2000))
                        .allowed_mentions(super::no_mentions()),
                    outgoing.nonce(),
                );
                self.post(channel, message).await
            }
            Outgoing::AdminAlert {
                admin_channel_id,
                owner_id,
                text,
            } => {
                let channel = match (admin_channel_id, owner_id) {
                    (Some(channel), _) => serenity::ChannelId::from(*channel),
                    (None, Some(owner)) => {
                        self.paced(|| serenity::UserId::from(*owner).create_dm_channel(&self.http))
                            .await
                            .map_err(classify)?
                            .id
                    }
                    (None, None) => return Err(DeliveryError::Refused("nobody to tell".into())),
                };
                self.post(channel, render::admin_alert(text)).await
            }
        }
    }
}

impl Deliver for DiscordDelivery {
    fn deliver<'a>(&'a self, outgoing: &'a Outgoing) -> DeliveryFuture<'a> {
        Box::pin(self.send(outgoing))
    }
}

fn status_of(error: &serenity::Error) -> Option<u16> {
    match error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            Some(response.status_code.as_u16())
        }
        _ => None,
    }
}

/// Sorts Discord's answer into what the dispatcher can do about it.
fn classify(error: serenity::Error) -> DeliveryError {
    match &error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            match (response.status_code.as_u16(), response.error.code) {
                (404, 10003) => DeliveryError::ChannelGone,
                (403, 50001) => DeliveryError::MissingPermission("View Channel".into()),
                (403, 50013) => {
                    DeliveryError::MissingPermission("Send Messages and Embed Links".into())
                }
                (403, 50007) => {
                    DeliveryError::Refused("the person has direct messages turned off".into())
                }
                (429, _) => {
                    DeliveryError::Transient("still rate limited after several tries".into())
                }
                (status, _) if status >= 500 => {
                    DeliveryError::Transient(format!("Discord answered {status}"))
                }
                (status, code) => DeliveryError::Refused(format!(
                    "Discord answered {status} (code {code}): {}",
                    response.error.message
                )),
            }
        }
        serenity::Error::Http(_) | serenity::Error::Io(_) => {
            DeliveryError::Transient(error.to_string())
        }
        _ => DeliveryError::Refused(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_pacer_spaces_requests_evenly() {
        let pacer = Pacer::new(4);
        let start = Instant::now();
        for _ in 0..5 {
            pacer.wait().await;
        }
        // Five requests at 4/s: the fifth waits for the fourth interval (virtual time).
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
        pacer.hold(Duration::from_secs(2)).await;
        let before = Instant::now();
        pacer.wait().await;
        assert!(before.elapsed() >= Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn requests_woken_late_together_take_new_turns_instead_of_leaving_in_a_burst() {
        let pacer = Arc::new(Pacer::new(10));
        let interval = Duration::from_millis(100);
        let start = Instant::now();
        let left = Arc::new(std::sync::Mutex::new(Vec::new()));
        let waiting: Vec<_> = (0..4)
            .map(|_| {
                let (pacer, left) = (pacer.clone(), left.clone());
                tokio::spawn(async move {
                    pacer.wait().await;
                    left.lock().unwrap().push(start.elapsed());
                })
            })
            .collect();
        // Each takes its turn (0, 100, 200 and 300 ms)...
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        // ...then the runtime stalls for a second, and all four wake at once.
        tokio::time::advance(Duration::from_secs(1)).await;
        for task in waiting {
            task.await.unwrap();
        }
        let mut left = left.lock().unwrap().clone();
        left.sort();
        for pair in left.windows(2) {
            assert!(pair[1] - pair[0] >= interval, "left together: {left:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_pacer_follows_a_new_rate_from_the_next_request() {
        let pacer = Pacer::new(45);
        assert_eq!(pacer.rate(), 45);
        // Another process joined: half the budget each.
        pacer.set_rate(22);
        assert_eq!(pacer.rate(), 22);
        pacer.wait().await;
        let start = Instant::now();
        for _ in 0..22 {
            pacer.wait().await;
        }
        // 22 more requests at 22/s take a second, not the half second they took at 45/s.
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(990) && took <= Duration::from_millis(1010),
            "{took:?}"
        );
        // It left again: the whole budget.
        pacer.set_rate(45);
        pacer.wait().await;
        let start = Instant::now();
        for _ in 0..45 {
            pacer.wait().await;
        }
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(990) && took <= Duration::from_millis(1010),
            "{took:?}"
        );
        // Never stuck: a rate of 0 is taken as 1 a second.
        pacer.set_rate(0);
        assert_eq!(pacer.rate(), 1);
    }
}
