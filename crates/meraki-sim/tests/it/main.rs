//! Integration tests: the simulator served over real HTTP on loopback.

mod api;
mod binary;
mod common;
mod date;
mod contract;
mod exactness;
mod faults;
mod limits;
mod network_view;
mod pagination;
mod python_sdk;
mod world_file;
