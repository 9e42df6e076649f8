//! TODO: timeout
