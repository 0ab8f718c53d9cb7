//! Seeded demo generator of optometry appointments (being built on the `data` branch).
