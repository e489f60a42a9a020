//! kubedeck-api
