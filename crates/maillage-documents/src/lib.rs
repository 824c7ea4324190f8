//! Documents made on the server, pure (bytes in, bytes out; no file, no clock): charts as
//! SVG (`charts`), reports as data (`report`) printed as PDF (`pdf`).

pub mod charts;
pub mod pdf;
pub mod report;
