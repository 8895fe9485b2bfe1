//! Integration tests of `report-render`: golden files for text, JSON and CSV; structural checks
//! for HTML and the chart.

mod bounds;
mod fixture;
mod golden;
mod html;
mod removed;
mod rounding;
mod series;
mod sources;
mod text_layout;
