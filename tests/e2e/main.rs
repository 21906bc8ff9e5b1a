//! One integration-test binary: the store on both backends, the command line, and (as
//! features land) the bot end to end against the fake Discord.

mod bank_holidays;
mod barriers;
mod bot;
mod checkins;
mod cli;
mod country;
mod crash;
mod daily;
mod db_proxy;
mod discord;
mod events;
mod fleet;
mod helpers;
mod hostile;
mod http_path;
mod impact;
mod impact_figures;
mod layers;
mod recap;
mod resilience;
mod rush;
mod sandbox_shards;
mod schema;
mod shards;
mod store;
mod storms;
mod wins;
