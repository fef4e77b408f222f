//! A small deterministic generator (xorshift64*) for the tests that shake code with
//! pseudo-random input: the same cases on every run, no dependency.

pub struct TestRng(u64);

impl TestRng {
    pub fn new(seed: u64) -> Self {
        // Zero is xorshift's one fixed point.
        TestRng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
