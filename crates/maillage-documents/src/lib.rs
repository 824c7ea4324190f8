//! The documents Maillage hands to people rather than to programs: workbooks for the hub's
//! team and its funders (`ods`). Pure: values in, bytes out; no file, network or clock.

pub mod ods;
