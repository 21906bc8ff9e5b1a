//! smallacts: a Discord bot that helps teams practise small acts of connection.
//!
//! Domain modules (`acts`, and the features built on them) know nothing of Discord; they read
//! and write through `store`, the only place with SQL.

pub mod acts;
pub mod against_fake;
pub mod calendar;
pub mod charts;
pub mod checkins;
pub mod clock;
pub mod daily;
pub mod demo;
pub mod discord;
pub mod echo;
pub mod events;
pub mod fleet;
pub mod ideas;
pub mod ids;
pub mod impact;
pub mod invite;
pub mod jobs;
pub mod ops;
pub mod recap;
pub mod server_roll;
pub mod settings;
pub mod shards;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
pub mod wins;
