//! Integration tests, one module per domain.

mod campaign;
mod cluster;
mod data;
mod export;
mod forest;
mod golden;
mod limits;
mod linear;
mod metrics;
mod purchase;
mod recommender;
mod segmentation;
mod uplift;

/// A small SplitMix64 stream for the tests' generated data (no extra dependency).
pub(crate) struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform value in `[0, 1)` from the top 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `next_u64() % n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}
