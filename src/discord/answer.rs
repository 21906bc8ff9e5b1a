//! Every interaction answered in time, whatever the database does.
//!
//! Discord gives a bot 3 seconds to answer a command, a button or a form; after that the
//! member sees "The application did not respond" and Discord refuses any answer. So every
//! interaction runs inside [`InTime`], one wrapper around the whole framework:
//!
//! - a handler that answers within `discord.defer_after_ms` (1.5 s) answers as usual;
//! - one that doesn't is acknowledged right then (privately "thinking..." for commands and
//!   forms, a silent acknowledgement for buttons), and its answer, when it comes, edits that
//!   acknowledgement (or, for a button whose answer is a new message, follows it);
//! - one still unfinished after `discord.give_up_after_ms` is stopped, which drops its database
//!   work uncommitted, and the member is told plainly that nothing was changed, with anything
//!   they typed shown back to copy;
//! - one that finishes without answering at all (a command or button from an older version of
//!   the bot that the member's Discord still shows) is told so privately.
//!
//! Handlers answer through an [`Answer`] ([`Answer::for_command`], [`Answer::for_button`],
//! [`Answer::for_form`]) instead of serenity's `create_response`, so they never need to know
//! which of these happened; and every answer is fitted to Discord's limits ([`super::fit`]) on
//! its way out. Autocomplete can't be deferred: it gets the time Discord allows, and empty
//! suggestions for an option the bot no longer has.

use std::sync::Arc;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use serde_json::{Value, json};
use serenity::Framework as _;

use super::{Data, Error, fit};
use crate::echo;
use crate::store::{Store, StoreError};

/// What a member sees when the database could not be reached. Nothing was saved: each change
/// is a single transaction, dropped uncommitted when it can't finish, and the commands members
/// use most (`/win`, deleting a win, the pulse, reviewing a suggestion, `/shift`) read all they
/// need before writing. (A few admin commands read back what they wrote to describe it: if the
/// database stopped answering in that moment, the change was made. Rare, and harmless to redo.)
pub const DATABASE_DOWN: &str = "I can't reach my database just now, so nothing was saved or \
     changed. Please try again in a minute.";
/// What a member sees when something took far too long for another reason.
pub const TOO_SLOW: &str = "Sorry, that took me far too long, so I stopped: nothing was saved \
     or changed. Please try again in a minute.";
/// For a command or subcommand the bot doesn't have (any more): the member's Discord is still
/// showing an older list of commands.
pub const COMMAND_CHANGED: &str = "This command has changed since your Discord app last \
     looked: Discord is updating it. Please try again in a minute (restarting Discord updates \
     it at once). `/help` lists every command.";
/// For a button or form the bot doesn't recognise (from a message an older version sent).
pub const BUTTON_CHANGED: &str = "That's from an older version of me and doesn't work any \
     more. Please run the command again for a fresh one.";
/// For an answer a handler never gave: a bug, so on the operator's side.
pub const NO_ANSWER: &str = "Sorry, something went wrong on my side and I lost track of that. \
     Please try again; if it keeps happening, let a server admin know (the details are in the \
     bot's log).";

/// How long an autocomplete may take: Discord allows 3 seconds, and a late answer is refused.
const AUTOCOMPLETE_DEADLINE: Duration = Duration::from_millis(2_500);
/// How long the give-up check asks the database whether it is the reason.
const BLAME_CHECK: Duration = Duration::from_millis(500);

/// The sentence for a member whose request needed the database while it couldn't be reached,
/// with what they typed (if anything) given back to copy.
pub fn database_down(typed: Option<&str>) -> String {
    with_copy(DATABASE_DOWN, typed)
}

/// `sentence`, then the member's own words in a code block to copy.
pub fn with_copy(sentence: &str, typed: Option<&str>) -> String {
    match typed.filter(|t| !t.trim().is_empty()) {
        Some(typed) => format!(
            "{sentence}\nHere is what you wrote, to copy and send again:\n{}",
            echo::for_copying(typed)
        ),
        None => sentence.to_owned(),
    }
}

/// Whether an error means the database couldn't be reached (whichever layer wrapped it).
pub fn is_database_trouble(error: &Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<StoreError>()
            .is_some_and(StoreError::is_unavailable)
            || cause
                .downcast_ref::<sqlx::Error>()
                .is_some_and(crate::store::is_connection_trouble)
            || matches!(
                cause.downcast_ref::<crate::checkins::CheckinError>(),
                Some(crate::checkins::CheckinError::Store(e)) if e.is_unavailable()
            )
            || matches!(
                cause.downcast_ref::<crate::daily::AdminError>(),
                Some(crate::daily::AdminError::Store(e)) if e.is_unavailable()
            )
    })
}

/// What kind of interaction is being answered: it decides how to acknowledge it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A slash command: acknowledged with a private "thinking..." (type 5).
    Command,
    /// A button: acknowledged silently (type 6); its answer then edits the message the button
    /// was on, or follows as a new private message.
    Button,
    /// A submitted form: acknowledged with a private "thinking..." (type 5).
    Form,
}

/// How far the answer has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Waiting,
    Acknowledged,
    Answered,
    /// The member was told it couldn't be done: a handler finishing late says nothing more.
    GivenUp,
}

/// The answer to one interaction, whichever way it is still open.
#[derive(Debug)]
pub struct Answer {
    id: serenity::InteractionId,
    token: String,
    kind: Kind,
    stage: tokio::sync::Mutex<Stage>,
    /// A command whose answer is for everyone in the channel (see [`Answer::will_be_public`]).
    public: std::sync::atomic::AtomicBool,
}

tokio::task_local! {
    /// The answer [`InTime`] is keeping for the interaction this task is handling.
    static CURRENT: Arc<Answer>;
}

/// What is being sent: a new message, the message a button was on changed, or a form.
enum Outgoing {
    Message {
        body: Value,
        files: Vec<serenity::CreateAttachment>,
    },
    Update(Value),
    Form(Value),
}

impl Answer {
    fn new(id: serenity::InteractionId, token: &str, kind: Kind) -> Arc<Answer> {
        Arc::new(Answer {
            id,
            token: token.to_owned(),
            kind,
            stage: tokio::sync::Mutex::new(Stage::Waiting),
            public: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Says that this command's answer will be public (a share card, say): if it has to be
    /// acknowledged before it is ready, the "thinking..." is public too, so the answer that
    /// replaces it is. An acknowledgement already sent stays private, and so does the answer
    /// then: the safe way round.
    pub fn will_be_public(&self) {
        self.public
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The answer being kept for this interaction (a fresh one outside [`InTime`], e.g. in
    /// a unit test).
    fn current(id: serenity::InteractionId, token: &str, kind: Kind) -> Arc<Answer> {
        CURRENT
            .try_with(Arc::clone)
            .ok()
            .filter(|answer| answer.id == id)
            .unwrap_or_else(|| Answer::new(id, token, kind))
    }

    pub fn for_command(interaction: &serenity::CommandInteraction) -> Arc<Answer> {
        Answer::current(interaction.id, &interaction.token, Kind::Command)
    }

    pub fn for_button(interaction: &serenity::ComponentInteraction) -> Arc<Answer> {
        Answer::current(interaction.id, &interaction.token, Kind::Button)
    }

    pub fn for_form(interaction: &serenity::ModalInteraction) -> Arc<Answer> {
        Answer::current(interaction.id, &interaction.token, Kind::Form)
    }

    fn for_interaction(interaction: &serenity::Interaction) -> Option<Arc<Answer>> {
        Some(match interaction {
            serenity::Interaction::Command(i) => Answer::new(i.id, &i.token, Kind::Command),
            serenity::Interaction::Component(i) => Answer::new(i.id, &i.token, Kind::Button),
            serenity::Interaction::Modal(i) => Answer::new(i.id, &i.token, Kind::Form),
            _ => return None,
        })
    }

    /// Sends a command's reply (always a new message), with at most one file: Discord matches
    /// files to their descriptions by ids that serenity assigns, and one is all this bot sends.
    pub async fn send(
        &self,
        http: &serenity::Http,
        reply: poise::CreateReply,
        file: Option<serenity::CreateAttachment>,
    ) -> Result<(), serenity::Error> {
        let message =
            reply.to_slash_initial_response(serenity::CreateInteractionResponseMessage::new());
        let mut body = serde_json::to_value(message)?;
        let files: Vec<_> = file.into_iter().collect();
        body["attachments"] = serde_json::to_value(&files)?;
        self.deliver(http, Outgoing::Message { body, files }).await
    }

    /// Sends a button's or form's answer, built as serenity's response (a new message, an
    /// update of the message the button was on, or a form).
    pub async fn respond(
        &self,
        http: &serenity::Http,
        response: serenity::CreateInteractionResponse,
    ) -> Result<(), serenity::Error> {
        let mut value = serde_json::to_value(&response)?;
        let data = value["data"].take();
        let outgoing = match value["type"].as_u64() {
            Some(7) => Outgoing::Update(data),
            Some(9) => Outgoing::Form(data),
            _ => Outgoing::Message {
                body: data,
                files: Vec::new(),
            },
        };
        self.deliver(http, outgoing).await
    }

    /// A short private message, answered whichever way is still open.
    pub async fn say(&self, http: &serenity::Http, text: &str) -> Result<(), serenity::Error> {
        self.respond(
            http,
            serenity::CreateInteractionResponse::Message(super::render::notice(text)),
        )
        .await
    }

    async fn deliver(
        &self,
        http: &serenity::Http,
        outgoing: Outgoing,
    ) -> Result<(), serenity::Error> {
        let mut stage = self.stage.lock().await;
        if *stage == Stage::GivenUp {
            tracing::warn!("an answer came after the member was told it couldn't be done");
            return Ok(());
        }
        self.deliver_at(&mut stage, http, outgoing).await
    }

    /// Sends `outgoing` the way `stage` leaves open, and marks it answered.
    async fn deliver_at(
        &self,
        stage: &mut Stage,
        http: &serenity::Http,
        outgoing: Outgoing,
    ) -> Result<(), serenity::Error> {
        let (id, token) = (self.id, self.token.as_str());
        match outgoing {
            Outgoing::Message { mut body, files } => {
                fit_message(&mut body);
                match *stage {
                    Stage::Waiting => {
                        let callback = json!({"type": 4, "data": body});
                        http.create_interaction_response(id, token, &callback, files)
                            .await?
                    }
                    Stage::Acknowledged if self.kind != Kind::Button => {
                        http.edit_original_interaction_response(token, &as_edit(body), files)
                            .await?;
                    }
                    Stage::Acknowledged | Stage::Answered | Stage::GivenUp => {
                        http.create_followup_message(token, &body, files).await?;
                    }
                }
            }
            Outgoing::Update(mut body) => {
                fit_message(&mut body);
                match *stage {
                    Stage::Waiting => {
                        let callback = json!({"type": 7, "data": body});
                        http.create_interaction_response(id, token, &callback, vec![])
                            .await?
                    }
                    Stage::Acknowledged | Stage::Answered | Stage::GivenUp => {
                        http.edit_original_interaction_response(token, &as_edit(body), vec![])
                            .await?;
                    }
                }
            }
            Outgoing::Form(form) => match *stage {
                Stage::Waiting => {
                    let callback = json!({"type": 9, "data": form});
                    http.create_interaction_response(id, token, &callback, vec![])
                        .await?
                }
                // A form can only be the first answer. Handlers that show one do so without
                // waiting on anything, so this is a bug: say something rather than nothing.
                Stage::Acknowledged | Stage::Answered | Stage::GivenUp => {
                    tracing::error!("a form was ready only after the button was acknowledged");
                    let body = super::render::notice(
                        "Sorry, that took me too long to open. Please press the button again.",
                    );
                    let mut body = serde_json::to_value(body)?;
                    fit_message(&mut body);
                    http.create_followup_message(token, &body, vec![]).await?;
                }
            },
        }
        *stage = Stage::Answered;
        Ok(())
    }

    /// Acknowledges the interaction if nothing has been sent yet.
    async fn acknowledge(&self, http: &serenity::Http) {
        let mut stage = self.stage.lock().await;
        if *stage != Stage::Waiting {
            return;
        }
        let public = self.public.load(std::sync::atomic::Ordering::Relaxed);
        let callback = match self.kind {
            Kind::Button => json!({"type": 6}),
            Kind::Command if public => json!({"type": 5}),
            Kind::Command | Kind::Form => json!({"type": 5, "data": {"flags": 64}}),
        };
        match http
            .create_interaction_response(self.id, &self.token, &callback, vec![])
            .await
        {
            Ok(()) => *stage = Stage::Acknowledged,
            Err(error) => tracing::warn!(%error, "could not acknowledge an interaction in time"),
        }
    }

    async fn stage(&self) -> Stage {
        *self.stage.lock().await
    }

    /// Tells the member it couldn't be done, unless it was done; nothing is sent after.
    async fn give_up(&self, http: &serenity::Http, sentence: &str) -> Result<(), serenity::Error> {
        let mut stage = self.stage.lock().await;
        if matches!(*stage, Stage::Answered | Stage::GivenUp) {
            // It answered, then went on with something else (a direct message, say).
            tracing::warn!("an interaction's follow-up work was stopped after it answered");
            return Ok(());
        }
        let notice = super::render::notice(sentence);
        let outgoing = Outgoing::Message {
            body: serde_json::to_value(notice)?,
            files: Vec::new(),
        };
        let told = self.deliver_at(&mut stage, http, outgoing).await;
        *stage = Stage::GivenUp;
        told
    }
}

/// Fits a message to Discord's limits and makes sure it can ping no one.
fn fit_message(body: &mut Value) {
    fit::message(body);
    if body.get("allowed_mentions").is_none_or(Value::is_null) {
        body["allowed_mentions"] = json!({"parse": []});
    }
}

/// An edit can't change whether a message is private, nor read it aloud.
fn as_edit(mut body: Value) -> Value {
    if let Some(map) = body.as_object_mut() {
        map.remove("flags");
        map.remove("tts");
    }
    body
}

/// What a member typed into a command's text options, for giving it back when it could not
/// be saved: one value as it is, several as "name: value" lines.
pub fn typed_in_command(command: &serenity::CommandInteraction) -> Option<String> {
    let mut typed = Vec::new();
    collect_text_options(&command.data.options, &mut typed);
    join_typed(typed)
}

/// What a member typed into a form, likewise.
pub fn typed_in_form(form: &serenity::ModalInteraction) -> Option<String> {
    let typed = form
        .data
        .components
        .iter()
        .flat_map(|row| &row.components)
        .filter_map(|component| match component {
            serenity::ActionRowComponent::InputText(input) => input
                .value
                .clone()
                .map(|value| (input.custom_id.clone(), value)),
            _ => None,
        })
        .collect();
    join_typed(typed)
}

fn typed_input(interaction: &serenity::Interaction) -> Option<String> {
    match interaction {
        serenity::Interaction::Command(command) => typed_in_command(command),
        serenity::Interaction::Modal(form) => typed_in_form(form),
        _ => None,
    }
}

fn join_typed(typed: Vec<(String, String)>) -> Option<String> {
    let typed: Vec<(String, String)> = typed
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .collect();
    match typed.as_slice() {
        [] => None,
        [(_, only)] => Some(only.clone()),
        several => Some(
            several
                .iter()
                .map(|(name, value)| format!("{name}: {value}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    }
}

fn collect_text_options(
    options: &[serenity::CommandDataOption],
    typed: &mut Vec<(String, String)>,
) {
    for option in options {
        match &option.value {
            serenity::CommandDataOptionValue::String(text) => {
                typed.push((option.name.clone(), text.clone()))
            }
            serenity::CommandDataOptionValue::SubCommand(inner)
            | serenity::CommandDataOptionValue::SubCommandGroup(inner) => {
                collect_text_options(inner, typed)
            }
            _ => {}
        }
    }
}

/// The framework, wrapped so every interaction is answered in time (see the module comment).
pub struct InTime {
    /// Shared with each interaction's task; only `init` needs it to itself, before any.
    framework: Arc<poise::Framework<Data, Error>>,
    store: Store,
    defer_after: Duration,
    give_up_after: Duration,
}

impl InTime {
    pub fn new(
        framework: poise::Framework<Data, Error>,
        store: Store,
        settings: &crate::settings::DiscordSettings,
    ) -> InTime {
        InTime {
            framework: Arc::new(framework),
            store,
            defer_after: Duration::from_millis(settings.defer_after_ms),
            give_up_after: Duration::from_millis(settings.give_up_after_ms),
        }
    }

    /// Runs the framework on one interaction in a task of its own (so that even a handler
    /// busy computing can't hold up the clock), acknowledging it if it is slow and giving up
    /// on it if it is far too slow.
    async fn handle(
        &self,
        ctx: serenity::Context,
        event: serenity::FullEvent,
        answer: Arc<Answer>,
        typed: Option<String>,
    ) {
        let http = ctx.http.clone();
        let framework = self.framework.clone();
        let mut handler = tokio::spawn(CURRENT.scope(answer.clone(), async move {
            framework.dispatch(ctx, event).await
        }));
        let mut finished = tokio::time::timeout(self.defer_after, &mut handler).await;
        if finished.is_err() {
            answer.acknowledge(&http).await;
            let left = self.give_up_after.saturating_sub(self.defer_after);
            finished = tokio::time::timeout(left, &mut handler).await;
        }
        match finished {
            Ok(Ok(())) => self.make_sure_it_was_answered(&http, &answer).await,
            Ok(Err(panicked)) => {
                tracing::error!(error = %panicked, "an interaction's handler panicked");
                let _ = answer.give_up(&http, NO_ANSWER).await;
            }
            Err(_) => {
                // Stopping the handler drops its database work: a transaction not yet
                // committed is rolled back.
                handler.abort();
                self.give_up(&http, &answer, typed.as_deref()).await;
            }
        }
    }

    async fn give_up(&self, http: &serenity::Http, answer: &Answer, typed: Option<&str>) {
        let database = self.store.health(BLAME_CHECK).await;
        let sentence = match &database {
            Err(error) => {
                tracing::warn!(%error, "an interaction could not reach the database in time");
                DATABASE_DOWN
            }
            Ok(()) => {
                tracing::error!("an interaction took too long though the database answers");
                TOO_SLOW
            }
        };
        if let Err(error) = answer.give_up(http, &with_copy(sentence, typed)).await {
            tracing::error!(%error, "could not tell a member their request was given up");
        }
    }

    /// An interaction the framework finished without answering: a command, subcommand, button
    /// or form the bot no longer has; or, once acknowledged, a handler that forgot to answer.
    async fn make_sure_it_was_answered(&self, http: &serenity::Http, answer: &Answer) {
        let sentence = match (answer.stage().await, answer.kind) {
            (Stage::Answered | Stage::GivenUp, _) => return,
            (Stage::Waiting, Kind::Command) => COMMAND_CHANGED,
            (Stage::Waiting, Kind::Button | Kind::Form) => BUTTON_CHANGED,
            (Stage::Acknowledged, _) => {
                tracing::error!("a handler finished without answering");
                NO_ANSWER
            }
        };
        if let Err(error) = answer.say(http, sentence).await {
            tracing::error!(%error, "could not answer an unrecognised interaction");
        }
    }

    /// Autocomplete can't be deferred: an option with no suggestions here (a member's older
    /// list of commands) gets none at once, and the rest get what Discord's time allows.
    async fn autocomplete(
        &self,
        ctx: serenity::Context,
        event: serenity::FullEvent,
        interaction: &serenity::CommandInteraction,
    ) {
        if !self.suggests(interaction) {
            let empty = serenity::CreateInteractionResponse::Autocomplete(
                serenity::CreateAutocompleteResponse::new(),
            );
            if let Err(error) = interaction.create_response(&ctx.http, empty).await {
                tracing::warn!(%error, "could not answer an unknown autocomplete");
            }
            return;
        }
        if tokio::time::timeout(AUTOCOMPLETE_DEADLINE, self.framework.dispatch(ctx, event))
            .await
            .is_err()
        {
            tracing::warn!(command = %interaction.data.name, "autocomplete took too long");
        }
    }

    /// Whether the bot has suggestions for the option being typed in.
    fn suggests(&self, interaction: &serenity::CommandInteraction) -> bool {
        let commands = &self.framework.options().commands;
        let Some(mut command) = commands.iter().find(|c| c.name == interaction.data.name) else {
            return false;
        };
        let mut options = &interaction.data.options;
        while let Some((name, inner)) = options.iter().find_map(|o| match &o.value {
            serenity::CommandDataOptionValue::SubCommand(inner)
            | serenity::CommandDataOptionValue::SubCommandGroup(inner) => Some((&o.name, inner)),
            _ => None,
        }) {
            let Some(sub) = command.subcommands.iter().find(|c| &c.name == name) else {
                return false;
            };
            command = sub;
            options = inner;
        }
        let focused = options.iter().find_map(|o| match &o.value {
            serenity::CommandDataOptionValue::Autocomplete { .. } => Some(&o.name),
            _ => None,
        });
        focused.is_some_and(|name| {
            command
                .parameters
                .iter()
                .any(|p| &p.name == name && p.autocomplete_callback.is_some())
        })
    }
}

#[serenity::async_trait]
impl serenity::Framework for InTime {
    async fn init(&mut self, client: &serenity::Client) {
        Arc::get_mut(&mut self.framework)
            .expect("the framework is shared only once the bot runs")
            .init(client)
            .await;
    }

    async fn dispatch(&self, ctx: serenity::Context, event: serenity::FullEvent) {
        let serenity::FullEvent::InteractionCreate { interaction } = &event else {
            return self.framework.dispatch(ctx, event).await;
        };
        if let serenity::Interaction::Autocomplete(autocomplete) = interaction {
            let autocomplete = autocomplete.clone();
            return self.autocomplete(ctx, event, &autocomplete).await;
        }
        let Some(answer) = Answer::for_interaction(interaction) else {
            return self.framework.dispatch(ctx, event).await;
        };
        let typed = typed_input(interaction);
        self.handle(ctx, event, answer, typed).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_sentence_gives_back_what_was_typed_within_limits() {
        let typed = "@everyone ```**x**``` \u{202E}".repeat(1_000);
        let text = database_down(Some(&typed));
        assert!(text.starts_with(DATABASE_DOWN));
        assert!(text.chars().count() <= fit::CONTENT_MAX, "{}", text.len());
        assert_eq!(text.matches("```").count(), 2);
        assert!(!text.contains('\u{202E}'));
        assert_eq!(database_down(None), DATABASE_DOWN);
        assert_eq!(database_down(Some("  ")), DATABASE_DOWN);
    }

    #[test]
    fn edits_drop_what_an_edit_cannot_change() {
        let edit = as_edit(json!({"content": "x", "flags": 64, "tts": false}));
        assert_eq!(edit, json!({"content": "x"}));
    }

    #[test]
    fn database_trouble_is_found_through_any_wrapping() {
        let unavailable = StoreError::NoConnection(sqlx::Error::PoolTimedOut);
        assert!(is_database_trouble(&Error::from(unavailable)));
        let wrapped = crate::checkins::CheckinError::Store(StoreError::NoConnection(
            sqlx::Error::PoolTimedOut,
        ));
        assert!(is_database_trouble(&Error::from(wrapped)));
        let refused = StoreError::Query(sqlx::Error::RowNotFound);
        assert!(!is_database_trouble(&Error::from(refused)));
        assert!(!is_database_trouble(&anyhow::anyhow!("something else")));
    }
}
