//! Integration tests: the router served on loopback over a real SQLite file, asked over HTTP.

mod http;
mod postgres;
mod world;
