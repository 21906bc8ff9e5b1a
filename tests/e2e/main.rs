//! One integration-test binary: the store on both backends, the command line, and (as
//! features land) the bot end to end against the fake Discord.

mod bot;
mod checkins;
mod cli;
mod daily;
mod discord;
mod helpers;
mod http_path;
mod recap;
mod store;
mod wins;
