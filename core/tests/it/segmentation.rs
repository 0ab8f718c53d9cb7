//! segmentation integration tests.
