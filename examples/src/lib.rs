//! Examples live in `examples/rust/`.
