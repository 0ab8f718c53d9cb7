//! Linear regression on standardised features (exposed to Python as
//! `optocom.LinearRegression`, scikit-learn style): the "scaled linear regression" of the
//! forecaster's spend model as a model of its own.
//!
//! | file | what it holds |
//! |---|---|
//! | `algorithm.rs` | the least-squares fit shared with [`SpendModel`], the fitted [`LinearRegression`] and its artifact |
//!
//! There are no hyperparameters: the model always standardises and always fits an intercept.
//!
//! # Method
//!
//! * **Standardise** each column with [`StandardScaler`]: mean and population standard
//!   deviation, as scikit-learn's `StandardScaler`.
//! * **Least squares with an intercept** on the standardised columns: the intercept is the
//!   mean of `y` (the standardised columns have mean zero) and the coefficients are the
//!   minimum-norm least-squares solution of the centred problem, from a Householder QR of
//!   `[z | y - mean]` (linfa-linalg) and a one-sided Jacobi SVD of its `p x p` triangle
//!   (ours: only `+ - * /` and `sqrt`, so the fit is bit-identical natively and in
//!   WebAssembly). This is what scikit-learn's `make_pipeline(StandardScaler(),
//!   LinearRegression())` computes (its `scipy.linalg.lstsq` is LAPACK's SVD-based `gelsd`);
//!   since the intercept absorbs the centring, the fitted function is also the plain
//!   least-squares fit on the raw columns (standardising only conditions the solve and gives
//!   comparable coefficients). On full-rank data the answer is linfa-linear's QR solve to
//!   rounding (tested); linfa-linear is not used to fit because without BLAS it has no
//!   rank-revealing solve (see below).
//! * **Predictions** are `intercept + sum_j coef_j (x_j - mean_j) / scale_j`, summed in
//!   column order, from the standardised coefficients: the same code as
//!   [`SpendModel`], which adds a floor. [`LinearRegression::coef`] and
//!   [`LinearRegression::intercept`] give the same function in the units of `x`
//!   (scikit-learn's `LinearRegression().fit(x, y)` attributes); they are derived, not used to
//!   predict.
//!
//! # Constant and collinear columns
//!
//! * A **constant column** (all values equal) has zero variance: it is centred to exact zeros
//!   and not scaled (scale 1), left out of the least-squares solve, and gets coefficient 0,
//!   in both unit systems. Its value then never changes a prediction. This is the answer
//!   scikit-learn's minimum-norm `lstsq` gives too (up to its rounding, about 1e-17). When
//!   every column is constant the model predicts the mean of `y`.
//! * **Exactly collinear columns** (a duplicated column, a complete set of one-hot
//!   indicators, two 0/1 flags that are each other's complement, as `employed` and
//!   `benefits` can be in a small practice) make the problem singular. Singular values at or
//!   below `max(n, p) * eps` times the largest count as zero (numpy's `lstsq` cut-off), so
//!   the fit returns scikit-learn's minimum-norm coefficients: a duplicated column and its
//!   copy get half the coefficient each, complementary flags equal and opposite standardised
//!   coefficients. Predictions are least-squares ones either way. (The plain QR solve used
//!   before failed on an exact zero pivot or returned offsetting coefficients of order
//!   1e13, whose predictions lost digits to cancellation.)
//! * Fewer rows than columns: the problem is underdetermined and linfa returns the
//!   minimum-norm solution of the centred problem, as scikit-learn does.
//!
//! # Persistence
//!
//! [`LinearRegression`] implements [`Persist`](crate::Persist) with kind
//! `"linear_regression"`. The artifact's params are `{}`; its state holds the column means,
//! scales and standardised coefficients (packed, exact bits) and the intercept, so a loaded
//! model predicts bit for bit as the fitted one.
//!
//! # Errors
//!
//! Never a panic on user input: no rows or no columns -> [`Error::EmptyInput`]; a `y` or
//! schema of the wrong length, or a wrong number of columns at predict time ->
//! [`Error::ShapeMismatch`]; a non-finite value -> [`Error::InvalidValue`] naming the row and
//! the column (from the schema, or `y`); an overflowing solution (values near `f64::MAX`) ->
//! [`Error::DegenerateTarget`].
//!
//! [`Error::EmptyInput`]: crate::Error::EmptyInput
//! [`Error::InvalidValue`]: crate::Error::InvalidValue
//! [`Error::ShapeMismatch`]: crate::Error::ShapeMismatch
//! [`Error::DegenerateTarget`]: crate::Error::DegenerateTarget
//! [`SpendModel`]: crate::purchase::SpendModel
//! [`StandardScaler`]: crate::features::StandardScaler
//!
//! # Example
//!
//! ```
//! use ndarray::{Array1, Array2};
//! use optocom_core::features::FeatureSchema;
//! use optocom_core::linear::LinearRegression;
//! use optocom_core::Persist;
//!
//! // spend = 40 + 1.5 age - 20 flag + a little noise; `site` is the same everywhere.
//! let x = Array2::from_shape_fn((200, 3), |(i, j)| match j {
//!     0 => 20.0 + (i % 50) as f64,
//!     1 => (i % 3 == 0) as u8 as f64,
//!     _ => 7.0,
//! });
//! let y: Array1<f64> = x
//!     .rows()
//!     .into_iter()
//!     .enumerate()
//!     .map(|(i, r)| 40.0 + 1.5 * r[0] - 20.0 * r[1] + ((i * 37) % 11) as f64 / 10.0 - 0.5)
//!     .collect();
//! let schema = FeatureSchema::numeric("visits", &["age", "flag", "site"]);
//! let model = LinearRegression::fit(x.view(), y.view(), Some(schema))?;
//!
//! let coef = model.coef();
//! assert!((coef[0] - 1.5).abs() < 0.01 && (coef[1] + 20.0).abs() < 0.2);
//! assert_eq!(coef[2], 0.0); // constant column
//! assert!((model.intercept() - 40.0).abs() < 0.5);
//!
//! // A non-finite value is named by row and column.
//! let mut bad = x.clone();
//! bad[[3, 1]] = f64::NAN;
//! let err = model.predict(bad.view()).unwrap_err();
//! assert!(err.to_string().starts_with("row 3, column `flag`"));
//!
//! // Save and load: same bits.
//! let path = std::env::temp_dir().join("optocom_linear_doc_example.json");
//! model.save(&path)?;
//! let loaded = LinearRegression::load(&path)?;
//! assert_eq!(loaded.predict(x.view())?, model.predict(x.view())?);
//! # std::fs::remove_file(&path).ok();
//! # Ok::<(), optocom_core::Error>(())
//! ```

mod algorithm;

pub use algorithm::LinearRegression;
pub(crate) use algorithm::{fit_standardised, predict_standardised};
