//! The documents Maillage hands to people rather than to programs: workbooks for the hub's
//! team and its funders (`ods`); charts drawn on the server as SVG (`charts`); reports as
//! data (`report`) printed as PDF (`pdf`) or written as an office text (`odt`). Pure: values
//! in, bytes out; no file, network or clock.

pub mod charts;
pub mod ods;
pub mod odt;
pub mod pdf;
pub mod report;
