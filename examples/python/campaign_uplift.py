"""The campaign uplift story end to end on generated data, in Python: campaign metrics with
the difference-in-differences lift, an uplift forest trained on 70% of the doctors, the
average effect, the top 10 held-out doctors by estimated uplift with 95% intervals, the
coverage of the generator's true per-doctor effects by those intervals, top responders
ranked by uplift, doctors recommended for the product and a guarded CSV export. Same story
as ``examples/rust/campaign_uplift.rs``.

    python examples/python/campaign_uplift.py [--doctors 5000] [--export responders.csv]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

import optocom

CAMPAIGN = 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--doctors", type=int, default=5000, help="generated doctors")
    ap.add_argument("--seed", type=int, default=2026, help="generator seed")
    ap.add_argument("--export", help="write the ranked responders (CSV) here")
    args = ap.parse_args()

    t = time.perf_counter()
    demo = optocom.demo.campaigns(n_doctors=args.doctors, seed=args.seed)
    print(f"Generated {len(demo.doctors)} doctors, {len(demo.campaigns)} campaigns, "
          f"{len(demo.rx)} Rx records in {time.perf_counter() - t:.1f} s\n")
    ca = optocom.CampaignAnalytics(demo)

    # Campaign metrics (difference in differences) over all doctors.
    m = ca.metrics(CAMPAIGN, confidence=0.95)
    lift, rate = m["lift"], m["response_rate_diff"]
    print(f"Campaign {CAMPAIGN} ({m['product']}): {m['targeted']['doctors']} targeted, "
          f"{m['control']['doctors']} control doctors")
    print(f"  DiD lift: {lift['estimate']:+.2f} Rx/month "
          f"(95% CI {lift['ci_low']:+.2f} .. {lift['ci_high']:+.2f})")
    print(f"  response-rate difference: {rate['estimate']:+.3f} "
          f"(95% CI {rate['ci_low']:+.3f} .. {rate['ci_high']:+.3f})\n")

    # Train on 70% of the doctors, evaluate on the other 30%.
    table = ca.uplift_table(CAMPAIGN)
    rng = np.random.default_rng(11)
    hold = np.zeros(len(table), dtype=bool)
    hold[rng.choice(len(table), size=int(0.3 * len(table)), replace=False)] = True
    features = table.drop(columns=["doctor_id", "treatment", "responded", "rx_change"])
    truth = (demo.truth[demo.truth["campaign_id"] == CAMPAIGN]
             .set_index("doctor_id").loc[table["doctor_id"]])

    for outcome, truth_col in (("responded", "true_effect_response_prob"),
                               ("rx_change", "true_effect_rx")):
        t = time.perf_counter()
        forest = optocom.UpliftForest(random_state=7).fit(
            features[~hold], table.loc[~hold, "treatment"], table.loc[~hold, outcome])
        fit_s = time.perf_counter() - t
        effect, lower, upper = forest.predict(features[hold], return_ci=True, alpha=0.05)
        tau = truth[truth_col].to_numpy()[hold]
        covered = float(np.mean((lower <= tau) & (tau <= upper)))
        ate = forest.average_effect()
        print(f"Uplift forest on {outcome} ({forest.n_estimators} trees, {int((~hold).sum())} "
              f"training doctors): fit {fit_s:.2f} s")
        print(f"  average effect: {ate['estimate']:+.4f} "
              f"(95% CI {ate['ci_low']:+.4f} .. {ate['ci_high']:+.4f})")
        print(f"  held-out coverage of the true effects by 95% intervals: {covered:.1%} "
              f"(mean width {np.mean(upper - lower):.4f}, "
              f"RMSE {np.sqrt(np.mean((effect - tau) ** 2)):.4f}, {int(hold.sum())} doctors)")
        if outcome == "responded":
            ids = table.loc[hold, "doctor_id"].to_numpy()
            order = np.lexsort((ids, -effect))[:10]
            print("  top 10 held-out doctors by estimated uplift:")
            print(f"    {'doctor':>6} {'effect':>7} {'95% interval':>17} {'true':>6}")
            for i in order:
                print(f"    {ids[i]:>6} {effect[i]:>+7.3f} {lower[i]:>+8.3f}..{upper[i]:<+8.3f} "
                      f"{tau[i]:>+6.3f}")
        print()

    # Rank all targeted doctors by their estimated response uplift.
    scores = ca.uplift(CAMPAIGN)
    top = ca.top_responders(CAMPAIGN, rank_by=scores, per_page=5, campaign_target=True)
    print(f"Top 5 of {top.total} targeted doctors by uplift:")
    print(top.data[["rank", "doctor_id", "specialty", "province", "score", "rx_change"]]
          .to_string(index=False))

    product = m["product"]
    seg = ca.segments(k_range=(2, 6))
    rec = ca.recommend(product, n=5)
    print(f"\nDoctors to target next for {product} ({seg.k} segments by silhouette):")
    print(rec[["doctor_id", "score"]].to_string(index=False))

    path = args.export or os.path.join(tempfile.mkdtemp(), "responders.csv")
    out = ca.export_csv(path, "responders", campaign_id=CAMPAIGN, campaign_target=True)
    print(f"\nExported {out['rows']} ranked responders ({out['bytes']} bytes, "
          f"{out['guarded_cells']} guarded cells) to {path}")


if __name__ == "__main__":
    main()
