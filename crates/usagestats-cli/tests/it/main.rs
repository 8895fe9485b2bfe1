//! Integration tests: the real `usagestats` binary against meraki-sim started in this process.

mod billing;
mod clocks;
mod concurrent;
mod crash;
mod data;
mod demo;
mod filters;
mod harness;
mod mail;
mod manual;
mod postgres;
mod privacy;
mod safety;
mod serve;
mod shell;
mod sources;
mod usage;
mod webdriver;
