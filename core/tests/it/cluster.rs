//! k-means (`optocom_core::cluster`) integration tests.

use ndarray::{Array2, Axis};
use optocom_core::cluster::{KMeans, KMeansParams};
use optocom_core::features::FeatureSchema;
use optocom_core::{Error, Persist};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// `n_per` rows around each center, uniform noise in `[-spread, spread]` per coordinate;
/// rows interleaved (row `i` belongs to blob `i % centers.len()`). Returns rows and truth.
fn blobs(centers: &[Vec<f64>], n_per: usize, spread: f64, seed: u64) -> (Array2<f64>, Vec<usize>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (k, p) = (centers.len(), centers[0].len());
    let mut x = Array2::zeros((k * n_per, p));
    let truth: Vec<usize> = (0..k * n_per).map(|i| i % k).collect();
    for (i, &g) in truth.iter().enumerate() {
        for j in 0..p {
            x[[i, j]] = centers[g][j] + rng.gen_range(-spread..spread);
        }
    }
    (x, truth)
}

/// Unstructured data: every seed finds a different local optimum.
fn noise(n: usize, p: usize, seed: u64) -> Array2<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Array2::from_shape_fn((n, p), |_| rng.gen_range(-1.0..1.0))
}

fn bits(a: ndarray::ArrayView2<'_, f64>) -> Vec<u64> {
    a.iter().map(|v| v.to_bits()).collect()
}

fn code_and_name(e: Error) -> (&'static str, String) {
    let code = e.code();
    let name = match e {
        Error::InvalidParameter { name, .. } => name,
        Error::InvalidValue { column, .. } => column,
        Error::ShapeMismatch { what, .. } => what,
        Error::EmptyInput { what } => what,
        other => other.to_string(),
    };
    (code, name)
}

#[test]
fn recovers_well_separated_blobs_exactly() {
    let centers = vec![
        vec![0.0, 0.0, 0.0],
        vec![20.0, 0.0, 0.0],
        vec![0.0, 20.0, 0.0],
        vec![0.0, 0.0, 20.0],
    ];
    let (x, truth) = blobs(&centers, 100, 1.0, 3);
    let model = KMeans::fit(&KMeansParams::new().n_clusters(4), x.view(), None).unwrap();
    let labels = model.labels();
    // Known answer: blob g is exactly the set of rows labelled map[g], map a bijection.
    let map: Vec<usize> = (0..4).map(|g| labels[g]).collect();
    let mut sorted = map.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, vec![0, 1, 2, 3], "two blobs share a cluster");
    for (i, &g) in truth.iter().enumerate() {
        assert_eq!(labels[i], map[g], "row {i}");
    }
    // Centroid c lies within tolerance / size of the mean of its rows (linfa's update),
    // and within the noise of the true center.
    for g in 0..4 {
        let rows: Vec<usize> = (0..x.nrows()).filter(|&i| truth[i] == g).collect();
        let mean = x.select(Axis(0), &rows).mean_axis(Axis(0)).unwrap();
        let c = model.centroids().row(map[g]).to_owned();
        assert!((&c - &mean).iter().all(|d| d.abs() < 1e-4 / 100.0 + 1e-12));
        assert!((&c - &ndarray::arr1(&centers[g]))
            .iter()
            .all(|d| d.abs() < 0.3));
    }
    // predict agrees with the training labels; inertia is the plain sum of squares.
    assert_eq!(model.predict(x.view()).unwrap().to_vec(), labels.to_vec());
    let direct: f64 = (0..x.nrows())
        .map(|i| {
            (&x.row(i) - &model.centroids().row(labels[i]))
                .mapv(|d| d * d)
                .sum()
        })
        .sum();
    assert!((model.inertia() - direct).abs() <= 1e-9 * direct);
    assert_eq!(model.n_clusters(), 4);
    assert_eq!(model.n_features(), 3);
    assert_eq!(model.info().n_rows, 400);
    assert_eq!(model.schema().names(), vec!["x0", "x1", "x2"]);
    assert_eq!(model.params(), &KMeansParams::new().n_clusters(4));
}

#[test]
fn same_seed_same_bits() {
    let x = noise(500, 4, 11);
    let p = KMeansParams::new().n_clusters(6).seed(9);
    let a = KMeans::fit(&p, x.view(), None).unwrap();
    let b = KMeans::fit(&p, x.view(), None).unwrap();
    assert_eq!(bits(a.centroids()), bits(b.centroids()));
    assert_eq!(a.labels(), b.labels());
    assert_eq!(a.inertia().to_bits(), b.inertia().to_bits());
    // The seed matters on unstructured data (a sanity check that it is used at all).
    let c = KMeans::fit(&p.clone().seed(10).n_init(1), x.view(), None).unwrap();
    let d = KMeans::fit(&p.clone().n_init(1), x.view(), None).unwrap();
    assert_ne!(bits(c.centroids()), bits(d.centroids()));
}

#[test]
fn memory_layout_is_irrelevant() {
    // numpy hands over C- or Fortran-ordered arrays; both give the same bits.
    let x = noise(300, 3, 5);
    let f = x.t().as_standard_layout().to_owned(); // 3 x 300, standard
    let fortran = f.t(); // 300 x 3 view, column-major strides
    assert_eq!(fortran, x.view());
    let p = KMeansParams::new().n_clusters(4);
    let a = KMeans::fit(&p, x.view(), None).unwrap();
    let b = KMeans::fit(&p, fortran, None).unwrap();
    assert_eq!(bits(a.centroids()), bits(b.centroids()));
    assert_eq!(a.labels(), b.labels());
    assert_eq!(
        bits(a.transform(fortran).unwrap().view()),
        bits(a.transform(x.view()).unwrap().view())
    );
}

#[cfg(feature = "parallel")]
#[test]
fn thread_count_is_irrelevant() {
    let x = noise(3000, 5, 21);
    let p = KMeansParams::new().n_clusters(7).n_init(3);
    let mut first: Option<(Vec<u64>, Vec<usize>, u64)> = None;
    for threads in [1, 2, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let m = pool.install(|| KMeans::fit(&p, x.view(), None).unwrap());
        let key = (
            bits(m.centroids()),
            m.labels().to_vec(),
            m.inertia().to_bits(),
        );
        match &first {
            None => first = Some(key),
            Some(f) => assert!(f == &key, "{threads} threads differ"),
        }
    }
}

#[test]
fn persistence_round_trip_is_bit_identical() {
    let x = noise(400, 3, 2);
    let schema = FeatureSchema::numeric("pts", &["a", "b", "c"]);
    let model = KMeans::fit(&KMeansParams::new().n_clusters(5), x.view(), Some(schema)).unwrap();
    let json = model.to_json().unwrap();
    let env = optocom_core::artifact::read_envelope(&json).unwrap();
    assert_eq!(env.kind, "kmeans");
    assert_eq!(env.params["n_clusters"], 5);
    let back = KMeans::from_json(&json).unwrap();
    assert_eq!(back, model);
    let new = noise(200, 3, 99);
    assert_eq!(
        back.predict(new.view()).unwrap(),
        model.predict(new.view()).unwrap()
    );
    assert_eq!(
        bits(back.transform(new.view()).unwrap().view()),
        bits(model.transform(new.view()).unwrap().view())
    );
    assert_eq!(
        back.score(new.view()).unwrap().to_bits(),
        model.score(new.view()).unwrap().to_bits()
    );
    assert_eq!(bits(back.centroids()), bits(model.centroids()));
    assert_eq!(back.labels(), model.labels());
    assert_eq!(back.inertia().to_bits(), model.inertia().to_bits());
    assert_eq!(back.schema().names(), vec!["a", "b", "c"]);

    let path = std::env::temp_dir().join(format!("optocom-kmeans-{}.json", std::process::id()));
    model.save(&path).unwrap();
    assert_eq!(KMeans::load(&path).unwrap(), model);
    std::fs::remove_file(&path).ok();
}

#[test]
fn corrupt_artifacts_are_refused() {
    let x = noise(50, 2, 1);
    let model = KMeans::fit(&KMeansParams::new().n_clusters(3), x.view(), None).unwrap();
    let mut env = model.to_envelope().unwrap();
    let good = env.clone();
    // Centroids of the wrong size.
    env.params["n_clusters"] = 4.into();
    let e = KMeans::from_envelope(env).unwrap_err();
    assert_eq!(e.code(), "invalid_artifact", "{e}");
    // Labels for another number of rows.
    let mut env = good.clone();
    env.info.n_rows = 49;
    assert_eq!(
        KMeans::from_envelope(env).unwrap_err().code(),
        "invalid_artifact"
    );
    // Not a k-means artifact.
    let mut env = good.clone();
    env.kind = "doctor_segmentation".into();
    assert_eq!(
        KMeans::from_envelope(env).unwrap_err().code(),
        "invalid_artifact"
    );
    // Missing schema.
    let mut env = good;
    env.feature_schema = None;
    assert_eq!(
        KMeans::from_envelope(env).unwrap_err().code(),
        "invalid_artifact"
    );
}

#[test]
fn training_labels_are_stored_in_the_narrowest_width() {
    // One byte per label up to 256 clusters, two above: the file shrinks, the labels don't change.
    for (k, n, width) in [(5, 400, 1u64), (300, 900, 2)] {
        let x = noise(n, 2, 5);
        let params = KMeansParams::new().n_clusters(k).n_init(1);
        let model = KMeans::fit(&params, x.view(), None).unwrap();
        let env = model.to_envelope().unwrap();
        assert_eq!(env.state["label_width"], width, "k = {k}");
        let packed = env.state["labels"].as_str().unwrap();
        let bytes = optocom_core::artifact::packed::decode::<u8>(packed).unwrap();
        assert_eq!(bytes.len() as u64, n as u64 * width, "k = {k}");
        let back = KMeans::from_json(&model.to_json().unwrap()).unwrap();
        assert_eq!(back.labels(), model.labels(), "k = {k}");
        assert!(
            model.labels().iter().any(|&l| l > 255) == (k > 256),
            "k = {k}"
        );
    }
    // Artifacts written before: four bytes a label and no width (golden_kmeans.json too).
    let x = noise(60, 2, 6);
    let model = KMeans::fit(&KMeansParams::new().n_clusters(3), x.view(), None).unwrap();
    let mut env = model.to_envelope().unwrap();
    let wide: Vec<u32> = model.labels().iter().map(|&l| l as u32).collect();
    env.state["labels"] = optocom_core::artifact::packed::encode(&wide).into();
    env.state.as_object_mut().unwrap().remove("label_width");
    assert_eq!(KMeans::from_envelope(env.clone()).unwrap(), model);
    // A width other than 1, 2 or 4, or one that does not match the bytes, is refused.
    for w in [3, 0, 1] {
        let mut bad = env.clone();
        bad.state["label_width"] = w.into();
        let e = KMeans::from_envelope(bad).unwrap_err();
        assert_eq!(e.code(), "invalid_artifact", "{e}");
    }
}

#[test]
fn predict_on_many_rows_matches_the_nearest_centroid_on_any_pool() {
    // Above the size at which predict goes to a pool: the labels are each row's argmin, the same
    // for every n_jobs, and equal to the training labels on the training data.
    let x = noise(70_000, 3, 11);
    let base = KMeansParams::new().n_clusters(4).n_init(1).max_iter(5);
    let model = KMeans::fit(&base, x.view(), None).unwrap();
    let got = model.predict(x.view()).unwrap();
    assert_eq!(got.as_slice().unwrap(), model.labels());
    // Column-major input (copied to rows) gives the same labels.
    let fortran = x.t().as_standard_layout().into_owned();
    assert_eq!(model.predict(fortran.t()).unwrap(), got);
    let d = model.transform(x.view()).unwrap();
    for (i, row) in d.outer_iter().enumerate() {
        let argmin = (0..4).fold(0, |b, c| if row[c] < row[b] { c } else { b });
        assert_eq!(got[i], argmin, "row {i}");
    }
    for threads in [Some(1), Some(3)] {
        let m = KMeans::fit(&base.clone().n_jobs(threads), x.view(), None).unwrap();
        assert_eq!(m.predict(x.view()).unwrap(), got, "{threads:?}");
    }
}

#[test]
fn transform_and_score_agree_with_predict_and_inertia() {
    let x = noise(600, 4, 8);
    let model = KMeans::fit(&KMeansParams::new().n_clusters(5), x.view(), None).unwrap();
    // On the training data the score is minus the training inertia, bit for bit.
    assert_eq!(
        model.score(x.view()).unwrap().to_bits(),
        (-model.inertia()).to_bits()
    );
    let new = noise(300, 4, 80);
    let t = model.transform(new.view()).unwrap();
    let l = model.predict(new.view()).unwrap();
    assert_eq!(t.dim(), (300, 5));
    let mut sum = 0.0;
    for i in 0..300 {
        let row = t.row(i);
        let argmin = (0..5).fold(0, |b, c| if row[c] < row[b] { c } else { b });
        assert_eq!(argmin, l[i], "row {i}");
        sum += row[l[i]] * row[l[i]];
        // Euclidean distance, checked independently.
        for c in 0..5 {
            let d = (&new.row(i) - &model.centroids().row(c))
                .mapv(|v| v * v)
                .sum()
                .sqrt();
            assert!((row[c] - d).abs() <= 1e-12 * d.max(1.0));
        }
    }
    let score = model.score(new.view()).unwrap();
    assert!(score < 0.0);
    assert!((score + sum).abs() <= 1e-9 * sum, "{score} vs {sum}");
}

/// linfa-clustering's k-means, the reference our own Lloyd iterations are checked against:
/// its centroids, its labels (nearest centroid) and its inertia (a sum, as ours).
fn linfa_kmeans(x: &Array2<f64>, p: &KMeansParams) -> (Array2<f64>, Vec<usize>, f64) {
    use linfa::prelude::*;
    use rand_xoshiro::Xoshiro256Plus;
    let theirs = linfa_clustering::KMeans::params_with_rng(
        p.n_clusters,
        Xoshiro256Plus::seed_from_u64(p.seed),
    )
    .n_runs(p.n_init)
    .tolerance(p.tolerance)
    .max_n_iterations(p.max_iter)
    .fit(&DatasetBase::from(x.view()))
    .unwrap();
    let c = theirs.centroids().to_owned();
    let labels: Vec<usize> = theirs.predict(x).to_vec();
    let inertia = x
        .outer_iter()
        .zip(&labels)
        .map(|(r, &l)| (&r - &c.row(l)).mapv(|v| v * v).sum())
        .sum();
    (c, labels, inertia)
}

/// Blobs: `k` centres in `[0, width)^p`, uniform noise of half-width 2 (they overlap when
/// `width` is small).
fn overlapping(k: usize, p: usize, n_per: usize, seed: u64) -> Array2<f64> {
    blobs_in(k, p, n_per, seed, 6.0)
}

fn blobs_in(k: usize, p: usize, n_per: usize, seed: u64, width: f64) -> Array2<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let centers: Vec<Vec<f64>> = (0..k)
        .map(|_| (0..p).map(|_| rng.gen_range(0.0..width)).collect())
        .collect();
    blobs(&centers, n_per, 2.0, seed + 1).0
}

#[test]
fn inertia_is_at_most_linfas_on_separated_blobs() {
    // Blobs apart enough that both land in the same basin: ours ends on the exact means of
    // the partition, linfa within its tolerance of them.
    for (k, p, n_per, seed) in [
        (5, 8, 400, 1),
        (4, 3, 500, 2),
        (8, 5, 200, 3),
        (3, 2, 300, 4),
    ] {
        let x = blobs_in(k, p, n_per, seed, 40.0);
        let params = KMeansParams::new().n_clusters(k).seed(seed);
        let ours = KMeans::fit(&params, x.view(), None).unwrap();
        let (_, _, theirs) = linfa_kmeans(&x, &params);
        assert!(
            ours.inertia() <= theirs * (1.0 + 1e-6),
            "k {k}, p {p}, seed {seed}: ours {} linfa {theirs}",
            ours.inertia()
        );
    }
}

#[test]
fn inertia_matches_linfas_on_overlapping_blobs_on_average() {
    // Overlapping blobs have many local optima; with different random streams either
    // implementation can land in a slightly lower one. Measured on these 30 data sets: ours
    // lower or equal in most, mean relative excess +4.4e-5 (linfa's absolute tolerance 1e-4
    // iterates every run further than scikit-learn's relative rule, which we follow, before
    // runs are compared), worst about +1e-3. Not a "<=" guarantee, a bound on how far off.
    let mut rel = Vec::new();
    for seed in 0..10u64 {
        for (k, p, n_per) in [(5, 8, 200), (4, 3, 250), (3, 2, 150)] {
            let x = overlapping(k, p, n_per, seed);
            let params = KMeansParams::new().n_clusters(k).seed(seed);
            let ours = KMeans::fit(&params, x.view(), None).unwrap();
            let (_, _, theirs) = linfa_kmeans(&x, &params);
            rel.push(ours.inertia() / theirs - 1.0);
        }
    }
    let mean = rel.iter().sum::<f64>() / rel.len() as f64;
    let worst = rel.iter().copied().fold(f64::MIN, f64::max);
    let lower_or_equal = rel.iter().filter(|&&r| r <= 1e-6).count();
    println!(
        "lower or equal {lower_or_equal}/{}, mean {mean:e}, worst {worst:e}",
        rel.len()
    );
    assert!(mean <= 1e-4, "mean relative excess {mean:e}");
    assert!(worst <= 2e-3, "worst relative excess {worst:e}");
}

#[test]
fn well_separated_blobs_give_linfas_partition() {
    let centers: Vec<Vec<f64>> = (0..5)
        .map(|g| {
            (0..4)
                .map(|j| {
                    if j == g % 4 {
                        30.0 * (1 + g / 4) as f64
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    let (x, _) = blobs(&centers, 200, 2.0, 11);
    let params = KMeansParams::new().n_clusters(5).seed(3);
    let ours = KMeans::fit(&params, x.view(), None).unwrap();
    let (_, theirs, theirs_inertia) = linfa_kmeans(&x, &params);
    // Identical up to a permutation of the labels: a bijection maps ours onto theirs.
    let mut map = [usize::MAX; 5];
    for (&a, &b) in ours.labels().iter().zip(&theirs) {
        assert!(map[a] == usize::MAX || map[a] == b, "partitions differ");
        map[a] = b;
    }
    let mut used = map.to_vec();
    used.sort_unstable();
    assert_eq!(used, vec![0, 1, 2, 3, 4]);
    assert!(ours.inertia() <= theirs_inertia * (1.0 + 1e-6));
}

#[test]
fn two_obvious_clusters_give_the_exact_means() {
    let x = ndarray::array![
        [0.0, 1.0],
        [2.0, 3.0],
        [1.0, 2.0],
        [100.0, -4.0],
        [102.0, -2.0],
        [101.0, -6.0],
        [101.0, -3.0]
    ];
    for n_init in [1, 10] {
        let m = KMeans::fit(
            &KMeansParams::new().n_clusters(2).n_init(n_init),
            x.view(),
            None,
        )
        .unwrap();
        let l = m.labels();
        assert!(l[..3].iter().all(|&v| v == l[0]) && l[3..].iter().all(|&v| v == l[3]));
        assert_ne!(l[0], l[3]);
        let c = m.centroids();
        assert_eq!(c.row(l[0]).to_vec(), vec![1.0, 2.0]);
        assert_eq!(c.row(l[3]).to_vec(), vec![101.0, -3.75]);
        // 2 + 2 + 0 + 1.0625 + 4.0625 + 5.0625 + 0.5625, all exact.
        assert_eq!(m.inertia(), 14.75);
    }
}

#[test]
fn same_seed_same_bits_for_any_n_jobs() {
    // More than one chunk of rows (256), several runs, overlapping clusters.
    let x = overlapping(5, 6, 300, 9);
    let base = KMeansParams::new().n_clusters(5).seed(21);
    let reference = KMeans::fit(&base.clone().n_jobs(Some(1)), x.view(), None).unwrap();
    for n_jobs in [Some(1), Some(2), Some(3), None] {
        let m = KMeans::fit(&base.clone().n_jobs(n_jobs), x.view(), None).unwrap();
        assert_eq!(
            bits(m.centroids()),
            bits(reference.centroids()),
            "n_jobs {n_jobs:?}"
        );
        assert_eq!(m.labels(), reference.labels());
        assert_eq!(m.inertia().to_bits(), reference.inertia().to_bits());
    }
    let other = KMeans::fit(&base.clone().seed(22), x.view(), None).unwrap();
    assert_ne!(bits(other.centroids()), bits(reference.centroids()));
}

#[test]
fn fewer_distinct_rows_than_clusters_leaves_a_cluster_empty() {
    let base = [[0.0, 0.0], [5.0, 5.0], [10.0, 0.0]];
    let x = Array2::from_shape_fn((15, 2), |(i, j)| base[i % 3][j]);
    let model = KMeans::fit(&KMeansParams::new().n_clusters(4), x.view(), None).unwrap();
    assert_eq!(model.n_clusters(), 4);
    let mut used: Vec<usize> = model.labels().to_vec();
    used.sort_unstable();
    used.dedup();
    assert_eq!(used.len(), 3);
    assert_eq!(model.inertia(), 0.0);
    assert!((0..15).all(|i| model.labels()[i] == model.labels()[i % 3]));
}

#[test]
fn invalid_params_are_refused_before_the_data() {
    let x = noise(20, 2, 1);
    for (p, field) in [
        (KMeansParams::new().n_clusters(0), "n_clusters"),
        (KMeansParams::new().n_init(0), "n_init"),
        (KMeansParams::new().max_iter(0), "max_iter"),
        (KMeansParams::new().tolerance(0.0), "tolerance"),
        (KMeansParams::new().tolerance(f64::NAN), "tolerance"),
    ] {
        let e = KMeans::fit(&p, x.view(), None).unwrap_err();
        assert_eq!(code_and_name(e), ("invalid_parameter", field.to_string()));
        // Checked before the data: an empty matrix still reports the parameter.
        let e = KMeans::fit(&p, Array2::zeros((0, 2)).view(), None).unwrap_err();
        assert_eq!(e.code(), "invalid_parameter");
    }
}

#[test]
fn empty_input_is_refused() {
    let p = KMeansParams::new().n_clusters(1);
    let e = KMeans::fit(&p, Array2::zeros((0, 3)).view(), None).unwrap_err();
    assert_eq!(code_and_name(e), ("empty_input", "x has no rows".into()));
    let e = KMeans::fit(&p, Array2::zeros((4, 0)).view(), None).unwrap_err();
    assert_eq!(code_and_name(e), ("empty_input", "x has no columns".into()));
}

#[test]
fn non_finite_values_are_named_by_row_and_column() {
    let p = KMeansParams::new().n_clusters(2);
    let schema = FeatureSchema::numeric("s", &["age", "spend"]);
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut x = noise(10, 2, 3);
        x[[6, 1]] = bad;
        let e = KMeans::fit(&p, x.view(), Some(schema.clone())).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("row 6, column `spend`: invalid value"),
            "{e}"
        );
        assert_eq!(e.code(), "invalid_value");
        let e = KMeans::fit(&p, x.view(), None).unwrap_err();
        assert!(e.to_string().starts_with("row 6, column `x1`"), "{e}");
    }
    let model = KMeans::fit(&p, noise(10, 2, 3).view(), Some(schema)).unwrap();
    let mut x = noise(5, 2, 4);
    x[[3, 0]] = f64::NAN;
    for e in [
        model.predict(x.view()).unwrap_err(),
        model.transform(x.view()).unwrap_err(),
        model.score(x.view()).unwrap_err(),
    ] {
        assert!(e.to_string().starts_with("row 3, column `age`"), "{e}");
    }
}

#[test]
fn fewer_rows_than_clusters_is_an_invalid_n_clusters() {
    let e = KMeans::fit(
        &KMeansParams::new().n_clusters(8),
        noise(7, 2, 1).view(),
        None,
    )
    .unwrap_err();
    assert_eq!(code_and_name(e), ("invalid_parameter", "n_clusters".into()));
    // Exactly as many rows as clusters is fine: every row is its own centroid.
    let x = noise(8, 2, 1);
    let m = KMeans::fit(&KMeansParams::new().n_clusters(8), x.view(), None).unwrap();
    assert_eq!(m.inertia(), 0.0);
}

#[test]
fn wrong_column_count_is_a_shape_mismatch() {
    let x = noise(30, 3, 1);
    let model = KMeans::fit(&KMeansParams::new().n_clusters(2), x.view(), None).unwrap();
    let narrow = noise(4, 2, 1);
    for e in [
        model.predict(narrow.view()).unwrap_err(),
        model.transform(narrow.view()).unwrap_err(),
        model.score(narrow.view()).unwrap_err(),
    ] {
        assert_eq!(e.code(), "shape_mismatch");
        assert_eq!(
            e.to_string(),
            "shape mismatch in number of features: expected 3, found 2"
        );
    }
    // A schema that does not match the columns at fit.
    let e = KMeans::fit(
        &KMeansParams::new().n_clusters(2),
        x.view(),
        Some(FeatureSchema::generic(2)),
    )
    .unwrap_err();
    assert_eq!(e.code(), "shape_mismatch");
}

#[test]
fn values_too_large_for_squared_distances_are_refused_not_a_panic() {
    let mut x = noise(20, 2, 1);
    x[[3, 1]] = 1e200;
    x[[5, 0]] = -1e300;
    let e = KMeans::fit(&KMeansParams::new().n_clusters(2), x.view(), None).unwrap_err();
    assert_eq!(e.code(), "invalid_value");
    assert!(e.to_string().starts_with("row 5, column `x0`"), "{e}");
    // Large but safe values fit, and agree with the rescaled problem.
    let scaled = noise(20, 2, 1).mapv(|v| v * 1e150);
    let p = KMeansParams::new().n_clusters(2).tolerance(1e140);
    let big = KMeans::fit(&p, scaled.view(), None).unwrap();
    assert!(big.inertia().is_finite());
    // At predict time huge rows still get their nearest centroid and finite distances,
    // though every squared distance overflows: far out along (1, 1) the nearest centroid
    // is the one furthest along (1, 1).
    let far = ndarray::array![[1e300, 1e300], [-1e300, -1e300]];
    let c = big.centroids();
    let along = |i: usize| c[[i, 0]] + c[[i, 1]];
    let (hi, lo) = if along(0) > along(1) { (0, 1) } else { (1, 0) };
    assert_eq!(big.predict(far.view()).unwrap().to_vec(), vec![hi, lo]);
    let d = big.transform(far.view()).unwrap();
    for ((r, k), &v) in d.indexed_iter() {
        let exact = (far[[r, 0]] - c[[k, 0]]).hypot(far[[r, 1]] - c[[k, 1]]);
        assert!(
            v.is_finite() && (v / exact - 1.0).abs() < 1e-12,
            "{v} vs {exact}"
        );
    }
    // Their score would be -inf: a typed error naming the first row that overflows.
    let e = big.score(far.view()).unwrap_err();
    assert_eq!(e.code(), "invalid_value");
    assert!(e.to_string().starts_with("row 0, column `x0`"), "{e}");
    assert!(big.score(scaled.view()).unwrap().is_finite());

    // Centroids near -1 and +1 on x0: a row at x0 = +-1e300 belongs to the one on its side.
    let two = ndarray::array![[-1.1, 0.0], [-1.0, 0.1], [1.0, 0.0], [1.1, 0.1]];
    let m = KMeans::fit(&KMeansParams::new().n_clusters(2), two.view(), None).unwrap();
    let right = m.predict(two.slice(ndarray::s![2..3, ..])).unwrap()[0];
    let far = ndarray::array![[1e300, 0.0], [-1e300, 0.0], [1e300, -1e300]];
    let got = m.predict(far.view()).unwrap();
    assert_eq!(got.to_vec(), vec![right, 1 - right, right]);
}
