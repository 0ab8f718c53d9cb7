//! segmentation (being built on its own branch).
