//! tallyfy-ext
